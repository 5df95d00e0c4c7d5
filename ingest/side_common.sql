-- Shared by every side-input loader (side_*.sql). Every row of side_raw and
-- side_json carries its file's __source_id and __side_tenant (the folder's
-- tenant or --tenant, else 'unknown'): one file, or a batch of files of one
-- layout (sidebatch.go). Variables set by the loader: day_first (the files'
-- slash dates are day/month), from_xlsx (numbers in date columns are Excel
-- serial dates).

create or replace temp table side_rejects (source_id integer, rec bigint, reason varchar, raw varchar);

-- A timestamp in any form the exports use: ISO 8601 (with Z, an offset or a
-- 7-digit fraction), the collecting PC's culture (3/1/2025 4:29:55 AM or
-- 01/03/2025 16:29:55, order per file), "1 Mar 2025", or an Excel serial.
create or replace temp macro side_ts(t) as
  case when nullif(trim(t), '') is null then null else coalesce(
    cast(try_cast(trim(t) as timestamptz) as timestamp),
    case when getvariable('day_first')
      then try_strptime(trim(t), ['%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y', '%d.%m.%Y %H:%M:%S', '%d.%m.%Y',
                                  '%d-%m-%Y', '%d/%m/%y', '%d/%m/%Y %I:%M:%S %p', '%d/%m/%Y %I:%M %p'])
      else try_strptime(trim(t), ['%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %I:%M %p', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M',
                                  '%m/%d/%Y', '%m-%d-%Y', '%m/%d/%y', '%m.%d.%Y'])
    end,
    try_strptime(trim(t), ['%d %b %Y', '%d %B %Y', '%d-%b-%Y', '%d-%b-%y', '%b %d, %Y', '%B %d, %Y', '%b %d %Y',
                           '%Y/%m/%d', '%Y.%m.%d', '%Y%m%d']),
    case when getvariable('from_xlsx') and regexp_full_match(trim(t), '\d{1,6}(\.\d+)?')
      then timestamp '1899-12-30' + to_microseconds(cast(round(cast(trim(t) as double) * 86400e6) as bigint)) end)
  end;

create or replace temp macro side_date(t) as cast(side_ts(t) as date);

-- True/False, yes/no, 1/0, enabled/disabled → boolean; anything else null.
create or replace temp macro side_bool(t) as
  case lower(trim(t))
    when 'true' then true when 'yes' then true when '1' then true when 'enabled' then true when 'y' then true
    when 'false' then false when 'no' then false when '0' then false when 'disabled' then false when 'n' then false
  end;

-- A multi-valued cell ("a; b", "a, b", one per line) → list without blanks.
create or replace temp macro side_list(t) as
  coalesce(list_filter(list_transform(regexp_split_to_array(coalesce(t, ''), '[;,\r\n]+'), x -> trim(x)), x -> x <> ''), []);

-- A JSON array of strings → list (null or absent → empty list).
create or replace temp macro side_jlist(j) as
  coalesce(list_filter(from_json(j, '["VARCHAR"]'), x -> x is not null and x <> ''), []);

create or replace temp macro side_is_guid(t) as
  coalesce(regexp_full_match(trim(t), '(?i)\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?'), false);
create or replace temp macro side_guid(t) as
  case when side_is_guid(t) then lower(trim(trim(t), '{}')) end;
create or replace temp macro side_upn(t) as
  case when regexp_full_match(trim(t), '[^@\s]+@[^@\s]+\.[^@\s]+') then lower(trim(t)) end;

-- The tenant of a row: its own column when it is a GUID, else its file's
-- (fallback: __side_tenant).
create or replace temp macro side_tenant(t, fallback) as
  coalesce(side_guid(t), fallback);

-- The raw text of a side_raw row for rejected_rows, without the columns
-- that say whose file it is.
create or replace temp macro side_raw_text(r) as
  left(cast(json_merge_patch(to_json(r), '{"__source_id":null,"__side_tenant":null}') as varchar), 4096);
