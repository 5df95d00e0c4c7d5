package ingest

import (
	"context"
	"database/sql"
	"fmt"
)

// The policy results of the sign-ins are two tables (schema.sql): each
// distinct result once (ca_policy_results) and each sign-in's results as
// references to them (signin_ca_policy_refs); the view signin_ca_policies
// joins them to their sign-ins. A Parquet folder holds the view whole.
const (
	policiesView   = "signin_ca_policies"
	policiesTable  = "ca_policy_results"
	policyRefTable = "signin_ca_policy_refs"
)

// policyColumns are the columns of a policy result, as ca_policy_results
// and the view have them.
const policyColumns = "policy_id, policy_name, result, enforced_grant_controls, conditions_satisfied, " +
	"conditions_not_satisfied, include_rules_satisfied, exclude_rules_satisfied"

// insertPolicies adds policy results given with the view's columns (from, a
// relation: a Parquet folder's signin_ca_policies, or the table of an
// earlier mfagap) to the two tables, each result keyed by a hash of its
// columns, the sign-ins' source ids shifted by offset. The sign-in keys
// (tenant, request id, event type) come from the sign-ins, as the view
// reads them.
func insertPolicies(ctx context.Context, db *sql.DB, from string, offset int) error {
	key := "hash(struct_pack(" + policyColumns + "))"
	q := fmt.Sprintf(`insert into %[5]s
select distinct %[1]s as policy_key, %[2]s from %[3]s
except select * from %[5]s;
insert into %[6]s select source_id + %[4]d, source_record, %[1]s from %[3]s;
select * from ca_policy_keys_unique()`, key, policyColumns, from, offset, policiesTable, policyRefTable)
	_, err := db.ExecContext(ctx, q)
	return err
}

// migratePolicies renames the policy results' table of a database written
// before signin_ca_policies became a view (schema.sql), for
// policiesOfEarlierLoad to move its rows once the schema is made; it says
// whether there was one.
func migratePolicies(ctx context.Context, db *sql.DB) (bool, error) {
	old, err := MainTable(ctx, db, policiesView)
	if err != nil || !old {
		return false, err
	}
	_, err = db.ExecContext(ctx, "alter table "+policiesView+" rename to "+earlierPolicies)
	return err == nil, err
}

// earlierPolicies is the policy results' table of an earlier mfagap while
// its rows move to the two tables.
const earlierPolicies = "signin_ca_policies_earlier"

// policiesOfEarlierLoad moves the rows of the table migratePolicies renamed
// into the two tables, and drops it.
func policiesOfEarlierLoad(ctx context.Context, db *sql.DB) error {
	if err := insertPolicies(ctx, db, earlierPolicies, 0); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, "drop table "+earlierPolicies)
	return err
}
