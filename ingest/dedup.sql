-- The sign-ins of the sources being finished that are not kept: a later copy
-- of a sign-in in the same file or in a file loaded before it, or a sign-in
-- another file already loaded (same tenant, request id and event type).
-- finish_keys is a view of their sign-ins (source_id and source_record, which
-- identify a row, tenant_id, request_id, event_type); the sources are
-- getvariable('finish_sources'): one file, or the files of a batch
-- (batch.go), whose source ids follow their load order.
--
-- Speed (issue 5): the test works on the four narrow key columns only.
-- Repeats are found on a 64-bit hash of the key (grouping fixed-width values
-- costs a fraction of grouping 36-character ids) and then confirmed on the
-- key itself, so a hash collision never drops a row. The sign-ins loaded
-- before are narrowed the same way, by the hashes of the keys being finished,
-- before the semi join confirms on the key: DuckDB builds the join's hash
-- table on its right side, and without the filter that was every sign-in
-- already loaded (0.26-0.30 s for a 10 000-row file after 990 000 rows; 0.03 s
-- with it, where the hash set is built on the small side).
create or replace temp table stage_drop as
with repeated_hashes as (
  select hash(tenant_id, request_id, event_type) as h
  from finish_keys
  group by all
  having count(*) > 1
)
select source_id, source_record
from (
  select k.source_id, k.source_record,
    row_number() over (partition by k.tenant_id, k.request_id, k.event_type order by k.source_id, k.source_record) as n
  from finish_keys k
  where hash(k.tenant_id, k.request_id, k.event_type) in (select h from repeated_hashes)
)
where n > 1
union all
select k.source_id, k.source_record
from finish_keys k
semi join (select tenant_id, request_id, event_type from signins
           where not list_contains(getvariable('finish_sources'), source_id)
             and hash(tenant_id, request_id, event_type) in (select hash(tenant_id, request_id, event_type) from finish_keys))
  using (tenant_id, request_id, event_type);
