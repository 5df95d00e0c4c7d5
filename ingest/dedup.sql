-- The sign-ins of one source that are not kept: a later copy of a sign-in in
-- the same file, or a sign-in another file already loaded (same tenant,
-- request id and event type). finish_keys is a view of the source's sign-ins
-- (source_record, which identifies a row of the source, tenant_id,
-- request_id, event_type), staged or already in signins; the source is
-- getvariable('finish_source').
--
-- Speed (issue 5): the test works on the four narrow key columns only.
-- Repeats are found on a 64-bit hash of the key (grouping fixed-width values
-- costs a fraction of grouping 36-character ids) and then confirmed on the
-- key itself, so a hash collision never drops a row.
create or replace temp table stage_drop as
with repeated_hashes as (
  select hash(tenant_id, request_id, event_type) as h
  from finish_keys
  group by all
  having count(*) > 1
)
select source_record
from (
  select k.source_record,
    row_number() over (partition by k.tenant_id, k.request_id, k.event_type order by k.source_record) as n
  from finish_keys k
  where hash(k.tenant_id, k.request_id, k.event_type) in (select h from repeated_hashes)
)
where n > 1
union all
select k.source_record
from finish_keys k
semi join (select tenant_id, request_id, event_type from signins where source_id <> getvariable('finish_source'))
  using (tenant_id, request_id, event_type);
