package ingest

import (
	"context"
	_ "embed"
	"fmt"
)

//go:embed portal_csv.sql
var portalCSVSQL string

func init() {
	register(&format{
		id:       "portal-csv",
		kind:     "signins",
		priority: 20,
		detect: func(s *sniff) bool {
			_, known := csvColumns(s.norm, headerAliases)
			return known["date"] && known["request_id"] && (known["error_code"] || known["status"]) &&
				(known["user_principal_name"] || known["service_principal_id"] || known["app_id"] || known["ip_address"])
		},
		load: loadPortalCSV,
	})
	register(&format{
		id:       "portal-csv-authdetails",
		kind:     "signin_auth_details",
		priority: 19,
		detect: func(s *sniff) bool {
			_, known := csvColumns(s.norm, headerAliases)
			return known["request_id"] && known["ad_method"] && (known["ad_succeeded"] || known["ad_result_detail"])
		},
		load: loadPortalAuthDetails,
	})
}

// portalEventType reads the event type of a portal CSV from its file name,
// the only place the portal records it (FORMATS.md §1.2).
func portalEventType(src *source, known map[string]bool) string {
	if t := eventTypeHint(src.file.display); t != "" {
		return t
	}
	if known["service_principal_id"] && !known["user_principal_name"] {
		return "service_principal"
	}
	src.note("event type not in the file name (InteractiveSignIns / NonInteractiveSignIns…); assumed interactive")
	return "interactive"
}

func loadPortalCSV(ctx context.Context, l *loader, src *source) error {
	names, known := csvColumns(src.sniff.norm, headerAliases)
	if err := l.stage(ctx); err != nil {
		return err
	}
	stmts := splitStatements(portalCSVSQL)
	if _, err := l.db.ExecContext(ctx, stmts[0]); err != nil {
		return err
	}
	vars := fmt.Sprintf("set variable source_id = %d; set variable event_type = %s", src.id, quote(portalEventType(src, known)))
	if _, err := l.db.ExecContext(ctx, vars); err != nil {
		return err
	}
	if err := l.readCSV(ctx, src, "raw_portal", names, known); err != nil {
		return err
	}
	if _, err := l.db.ExecContext(ctx, stmts[1]); err != nil {
		return err
	}
	if err := l.rejectWhere(ctx, src, "select rec, reason, raw from raw_portal_rejects order by rec"); err != nil {
		return err
	}
	if _, err := l.db.ExecContext(ctx, stmts[2]); err != nil {
		return fmt.Errorf("map sign-ins: %w", err)
	}
	if _, err := l.db.ExecContext(ctx, "drop table raw_portal; drop table raw_portal_rejects"); err != nil {
		return err
	}
	return l.finishSignins(ctx, src)
}

func loadPortalAuthDetails(ctx context.Context, l *loader, src *source) error {
	names, known := csvColumns(src.sniff.norm, headerAliases)
	if known["date"] && !known["ad_step_at"] {
		for i, n := range names {
			if n == "date" {
				names[i] = "ad_step_at"
			}
		}
		known["ad_step_at"] = true
	}
	_, err := l.db.ExecContext(ctx, `create or replace temp table raw_authdetails (
  rec bigint, request_id varchar, ad_step_at varchar, ad_method varchar, ad_method_detail varchar,
  ad_requirement varchar, ad_succeeded varchar, ad_result_detail varchar)`)
	if err != nil {
		return err
	}
	if err := l.readCSV(ctx, src, "raw_authdetails", names, known); err != nil {
		return err
	}
	if err := l.rejectWhere(ctx, src, `select rec, 'no Request ID', to_json(r)::varchar from raw_authdetails r
where nullif(trim(request_id), '') is null order by rec`); err != nil {
		return err
	}
	_, err = l.db.ExecContext(ctx, fmt.Sprintf(`insert into portal_auth_details
select trim(request_id), mfagap_time(ad_step_at), nullif(ad_method, ''), nullif(ad_method_detail, ''),
  nullif(ad_requirement, ''),
  case when lower(trim(ad_succeeded)) in ('true', 'yes') then true
       when lower(trim(ad_succeeded)) in ('false', 'no') then false end,
  nullif(ad_result_detail, ''), %d, rec
from raw_authdetails where nullif(trim(request_id), '') is not null;
drop table raw_authdetails`, src.id))
	if err != nil {
		return err
	}
	src.loaded = src.read - src.rejected
	return nil
}

// attachAuthDetails turns portal AuthDetails rows into authentication steps
// of the sign-ins they belong to and re-derives those sign-ins' MFA verdict.
// It runs once after all files are loaded, so file order does not matter.
func (l *loader) attachAuthDetails(ctx context.Context) error {
	_, err := l.db.ExecContext(ctx, `
create or replace temp table attach_steps as
select s.tenant_id, s.request_id, s.event_type,
  row_number() over (partition by s.tenant_id, s.request_id, s.event_type order by d.source_id, d.source_record)::integer as step,
  d.step_at, d.method, d.method_detail, d.succeeded, d.result_detail, d.requirement, d.source_id, d.source_record
from portal_auth_details d
join signins s on s.request_id = d.request_id
where not exists (select 1 from signin_auth_steps x
                  where x.tenant_id = s.tenant_id and x.request_id = s.request_id and x.event_type = s.event_type);
insert into signin_auth_steps by name select * from attach_steps;
update signins set mfa_satisfied = v.verdict
from (
  select a.tenant_id, a.request_id, a.event_type,
    mfagap_mfa_satisfied(bool_or(mfagap_step_mfa(a.succeeded, a.method, a.requirement, a.result_detail)),
                         bool_or(mfagap_step_claim(a.method, a.result_detail)),
                         any_value(s.additional_details), any_value(s.authentication_requirement),
                         any_value(s.error_code)) as verdict
  from attach_steps a
  join signins s using (tenant_id, request_id, event_type)
  group by all
) v
where signins.tenant_id = v.tenant_id and signins.request_id = v.request_id and signins.event_type = v.event_type
  and signins.mfa_satisfied <> 'unknown';
drop table attach_steps`)
	return err
}
