package ingest

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"time"
)

// Small files of one shape are loaded together: a storage-account archive
// holds one PT1H.json per hour (720 files for a month of one category), and
// Microsoft-Extractor-Suite writes one file per Graph page. Each load runs a
// dozen statements whose fixed cost (planning, scheduling) is 0.1-0.2 s
// whatever the file's size: 100 k diagnostic records in 720 hourly files took
// 86.5 s against 5.5 s in one file (issue 5). A batch is read by one
// read_json over its files; its sign-ins are mapped by one run of graph.sql;
// each file keeps its own source, record numbers, tenant, repeats and counts,
// settled file by file in load order as if loaded alone.

const (
	// batchFileMax is the largest file a batch takes: a larger one keeps
	// both cores busy on its own.
	batchFileMax = 32 << 20
	// batchMax bounds the bytes of one batch. A batch should hold several
	// of DuckDB's row groups (122,880 rows), its unit of parallel scans:
	// 1 M archive records in batches of 256 MiB (≈ 50 k rows) took 101 s,
	// every statement after the read on one thread; of 1 GiB, 57 s (peak
	// 2.2 GB); of 2 GiB, 50 s (peak 3.2 GB).
	batchMax = 1 << 30
	// batchFiles bounds its files: DuckDB's reader holds buffers for the
	// files it reads ahead (peak 3.2 GB for batches of 1088 and 1535 hourly
	// files of 100 k records, 1.3 GB with 400).
	batchFiles = 400
)

// batchKind is how a batch reads p: "graph" (Graph JSON arrays, joined and
// compacted first), "graph-nd" (Graph NDJSON: Untitled Goose, Extractor-Suite
// SOF-ELK output), "diagnostic" (clean diagnostic NDJSON) or "portal …"
// (small portal CSVs of one layout, portalbatch.go); "" when p loads on its
// own.
func batchKind(p *prepared) string {
	sn := p.src.sniff
	if p.size > batchFileMax {
		return ""
	}
	switch p.src.format.id {
	case "graph-json":
		// DuckDB's NDJSON reader refuses a BOM (see diagFastShape).
		if graphJoin && sn.ndjson && !sn.bom() {
			return "graph-nd"
		}
		// Arrays only: a {"value": […]} page would join as one record
		// without an id and send the whole batch file by file.
		if graphJoin && !sn.ndjson && startsArray(sn.head) {
			return "graph"
		}
	case "diagnostic-json":
		if diagFast && diagFastShape(sn) {
			return "diagnostic"
		}
	case "portal-csv":
		if p.size <= portalBatchFileMax {
			return portalBatchKind(p)
		}
	case "portal-csv-authdetails":
		if p.size <= portalBatchFileMax {
			return authDetailsBatchKind(p)
		}
	}
	if p.src.format.side != nil && p.size <= sideBatchFileMax && p.src.format.side.batches(sn) {
		return "side " + sideLane(p.src.format)
	}
	return ""
}

// sideLane names the lane of a side format's files (sidebatch.go): the id
// of the first format that loads with the same side loader, so that the
// exception register's CSV files and workbooks wait in one lane and load as
// one batch, each register's lines compared with those of the registers
// before it whatever their format.
func sideLane(f *format) string {
	for _, g := range formats {
		if g.side == f.side {
			return g.id
		}
	}
	return f.id
}

// portalBatchFileMax is the largest portal CSV a batch takes (≈ 10 k
// sign-ins): the fixed cost a batch spares is a file's, which a file of
// that size already dwarfs.
const portalBatchFileMax = 4 << 20

// pending is a batch of small files of one kind (batchKind) waiting to be
// loaded together: the current one, one set aside (park), or a lane of
// AuthDetails or side files (sideAdd).
type pending struct {
	kind  string
	b     []*prepared
	bytes int64
}

// takes says whether p, of kind, may join pb: pb is empty, or of kind with
// room left (batchBytes) and not holding the same file (a batch tells its
// files apart by path).
func (pb *pending) takes(p *prepared, kind string) bool {
	if len(pb.b) == 0 {
		return true
	}
	if pb.kind != kind || pb.bytes+p.size > batchBytes(kind) || len(pb.b) >= batchFiles {
		return false
	}
	for _, q := range pb.b {
		if q.src.sniff.disk == p.src.sniff.disk {
			return false
		}
	}
	return true
}

// add queues p, of kind, in pb, noting how many notes it had (a batch that
// falls back drops those it wrote).
func (pb *pending) add(p *prepared, kind string) {
	p.notes = len(p.src.notes)
	pb.b = append(pb.b, p)
	pb.kind = kind
	pb.bytes += p.size
}

// batchBytes bounds the bytes of a batch of kind: batchMax, or sideLaneMax
// for a lane of side files, which all wait until the end.
func batchBytes(kind string) int64 {
	if strings.HasPrefix(kind, "side ") {
		return sideLaneMax
	}
	return batchMax
}

// loadPending loads the files of pb, if any, and empties it.
func (l *loader) loadPending(ctx context.Context, pb *pending) error {
	b, kind := pb.b, pb.kind
	*pb = pending{}
	if len(b) == 0 {
		return nil
	}
	err := l.loadBatch(ctx, kind, b)
	if l.bar != nil {
		l.bar.batchDone(ctx, l.db)
	}
	return err
}

// batchAdd adds p, of kind (batchKind), to the current batch if it can go
// there (same kind, room left, not the same file); when it returns false the
// caller flushes the batches and tries again, or loads p on its own. A
// sign-in file of another kind than the current batch's sets it aside
// (park) rather than end it: an MSP's tenant folders alternate interactive,
// non-interactive and service principal files, and Graph files with portal
// CSVs.
func (l *loader) batchAdd(p *prepared, kind string) bool {
	if kind == "" || !batching || laneOf(kind) != "" {
		return false
	}
	if len(l.batch.b) > 0 && l.batch.kind != kind && !l.park(kind, p.size) {
		return false
	}
	if !l.batch.takes(p, kind) || l.joint && l.pendingBytes()+p.size > batchMax {
		return false
	}
	l.batch.add(p, kind)
	return true
}

// park sets the current batch aside and takes up the parked one of kind, if
// any, for a file of kind and size; false when it may not. Both must write
// sign-ins. Sign-ins of two event types are never repeats of each other:
// portal batches of distinct event types load one after the other, in the
// order of their first files. Batches that may hold the same sign-ins (a
// Graph batch and any other, two layouts of one event type) load as one
// joint batch (joint.go), which keeps what file order keeps; it holds one
// batch of the Graph family and at most batchMax bytes.
func (l *loader) park(kind string, size int64) bool {
	if !signinBatch(kind) || !signinBatch(l.batch.kind) {
		return false
	}
	overlap := false
	for _, k := range append([]string{l.batch.kind}, slices.Collect(maps.Keys(l.parked))...) {
		if k == kind || !mayOverlap(k, kind) {
			continue
		}
		if graphFamily(k) && graphFamily(kind) {
			return false
		}
		overlap = true
	}
	if overlap && l.pendingBytes()+size > batchMax {
		return false
	}
	l.joint = l.joint || overlap
	if l.parked == nil {
		l.parked = map[string]*pending{}
	}
	current := l.batch
	l.parked[current.kind] = &current
	l.batch = pending{}
	if pb := l.parked[kind]; pb != nil {
		delete(l.parked, kind)
		l.batch = *pb
	}
	return true
}

// batching turns batches on; tests turn it off to compare.
var batching = true

// flushBatch loads the files of the current batch and of the parked ones:
// as one joint batch when they may hold the same sign-ins, else batch by
// batch in the order of their first files.
func (l *loader) flushBatch(ctx context.Context) error {
	var all []*pending
	if len(l.batch.b) > 0 {
		current := l.batch
		all = append(all, &current)
	}
	for _, pb := range l.parked {
		all = append(all, pb)
	}
	joint := l.joint
	l.batch, l.parked, l.joint = pending{}, nil, false
	if joint {
		return l.loadJoint(ctx, all)
	}
	return l.loadInOrder(ctx, all)
}

// loadInOrder loads the batches of all (none empty) in the order of their
// first files.
func (l *loader) loadInOrder(ctx context.Context, all []*pending) error {
	sort.Slice(all, func(i, j int) bool { return all[i].b[0].src.id < all[j].b[0].src.id })
	for _, pb := range all {
		if err := l.loadPending(ctx, pb); err != nil {
			return err
		}
	}
	return nil
}

// loadBatch loads the files of b together; any file DuckDB's reader cannot
// take whole makes each file load on its own, where the careful path names
// the record and the reason.
func (l *loader) loadBatch(ctx context.Context, kind string, b []*prepared) error {
	if len(b) < 2 {
		return l.loadRead(ctx, kind, b, nil)
	}
	switch {
	case strings.HasPrefix(kind, "portal "):
		return l.loadPortalBatch(ctx, kind, b)
	case strings.HasPrefix(kind, "authdetails "):
		return l.loadAuthDetailsBatch(ctx, kind, b)
	case strings.HasPrefix(kind, "side "):
		return l.loadSideBatch(ctx, kind, b)
	}
	paths, i, remove, err := l.batchPaths(kind, b)
	defer remove()
	if err != nil {
		return err
	}
	if i < len(b) {
		// A file that is not a sequence of arrays and objects loads on its
		// own, in its place, between the files joined before it and the
		// rest.
		if err := l.loadRead(ctx, kind, b[:i], paths[:i]); err != nil {
			return err
		}
		if err := l.loadOne(ctx, b[i]); err != nil {
			return err
		}
		return l.loadBatch(ctx, kind, b[i+1:])
	}
	return l.loadRead(ctx, kind, b, paths)
}

// batchPaths is the paths a batch of kind reads its files b from: the files
// themselves, or for "graph" each file's Graph arrays joined and compacted
// (joinArrays) into a copy, up to the first file that is not a sequence of
// arrays and objects: i is its index, len(b) when every file can be read.
// remove deletes the copies.
func (l *loader) batchPaths(kind string, b []*prepared) (paths []string, i int, remove func(), err error) {
	var joined []string
	remove = func() {
		for _, j := range joined {
			os.Remove(j)
		}
	}
	paths = make([]string, len(b))
	for i, p := range b {
		paths[i] = p.src.sniff.disk
	}
	if kind != "graph" {
		return paths, len(b), remove, nil
	}
	for i, p := range b {
		j := l.joinedPath(p.src)
		joined = append(joined, j)
		if _, err := joinArrays(p.src.sniff.disk, j); err != nil {
			if outOfSpace(err) {
				return paths, i, remove, fmt.Errorf("ingest %s: %w", p.src.file.display, err)
			}
			return paths, i, remove, nil
		}
		paths[i] = j
	}
	return paths, len(b), remove, nil
}

// loadRead loads the files of b from paths (the files themselves, or their
// joined copies) as one batch.
func (l *loader) loadRead(ctx context.Context, kind string, b []*prepared, paths []string) error {
	return l.loadTogether(ctx, kind, b, func(srcs []*source) (bool, error) {
		ok, err := l.readBatch(ctx, kind, b, paths)
		if err != nil || !ok {
			return false, err
		}
		return true, l.mapGraphSources(ctx, srcs, nil)
	})
}

// loadTogether loads the files of b as one batch with take, which reads
// and maps them all and says whether it could; when it could not, or
// failed, nothing of the batch is kept (nor the notes take wrote) and each
// file loads on its own, where the careful paths name what is wrong.
func (l *loader) loadTogether(ctx context.Context, kind string, b []*prepared, take func([]*source) (bool, error)) error {
	switch len(b) {
	case 0:
		return nil
	case 1:
		return l.loadOne(ctx, b[0])
	}
	srcs := sourcesOf(b)
	if err := l.register(ctx, srcs...); err != nil {
		return err
	}
	t := time.Now()
	defer Trace(fmt.Sprintf("%s batch of %d files: all", strings.Fields(kind)[0], len(b)), t)
	ok, err := take(srcs)
	// As after every load of one file (loadOne): DuckDB's CSV tables gone.
	if derr := l.dropCSVTables(ctx); err == nil {
		err = derr
	}
	if err == nil && ok {
		batchReads.Add(int64(len(b)))
		return l.closeSources(ctx, b)
	}
	if outOfSpace(err) {
		return fmt.Errorf("ingest %s: %w", b[0].src.file.display, err)
	}
	for _, p := range b {
		if derr := l.discard(ctx, p.src); derr != nil {
			return derr
		}
		p.src.notes = p.src.notes[:p.notes]
	}
	for _, p := range b {
		if err := l.loadOne(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// readBatch stages the records of b's files (read from paths) in raw_graph,
// each row with its file's source, event type hint and fallback tenant, and
// numbered within its file. ok is false when a record is unusable.
func (l *loader) readBatch(ctx context.Context, kind string, b []*prepared, paths []string) (ok bool, err error) {
	var files, list []string
	for i, p := range b {
		files = append(files, fmt.Sprintf("(%s, %d, %s, %s)", quote(paths[i]), p.src.id,
			quote(eventTypeHint(p.src.file.display)), quote(p.src.tenant)))
		list = append(list, quote(paths[i]))
	}
	// batch_files stays until the next batch replaces it: the view
	// raw_graph reads it while the batch is mapped.
	if _, err := l.db.ExecContext(ctx, "create or replace temp table batch_files (path varchar, source_id integer, event_type_hint varchar, fallback_tenant varchar);\ninsert into batch_files values "+strings.Join(files, ", ")); err != nil {
		return false, err
	}
	paths2 := "[" + strings.Join(list, ", ") + "]"
	var query, bad string
	switch kind {
	case "graph", "graph-nd":
		if err := l.defineReadGraph(ctx); err != nil {
			return false, err
		}
		format, lenient := "array", false
		if kind == "graph-nd" {
			format, lenient = "newline_delimited", true // as readGraph reads one file
		}
		query = fmt.Sprintf("select __rec as rec, '' as tenant_hint, null::varchar as event_type_hint,\n  null::integer as source_id, null::varchar as fallback_tenant, *, %s\nfrom read_graph(%s, %s, %t, true)", typedNulls, paths2, quote(format), lenient)
		bad = graphUnusable
	default:
		query = diagQuery(paths2, true, true)
		bad = "__event_type is null or " + graphUnusable
	}
	// Each row with its file's source, hints and fallback tenant, numbered
	// from the file's first row (the load keeps file order in rowid), in a
	// view rather than an update of the stage's rows.
	view := `select r.rowid - f.first + 1 as rec, r.tenant_hint, b.event_type_hint, b.source_id, b.fallback_tenant,
  r.* exclude (rec, tenant_hint, event_type_hint, source_id, fallback_tenant, filename)
from %[1]s.raw_graph r
join batch_files b on b.path = r.filename
join (select filename, min(rowid) as first from %[1]s.raw_graph group by filename) f on f.filename = r.filename`
	t := time.Now()
	_, nbad, err := l.stageRawGraph(ctx, kind+" batch", query, bad, view)
	if outOfSpace(err) {
		return false, err
	}
	if err != nil || nbad > 0 {
		Trace(fmt.Sprintf("%s batch: not taken (%d unusable rows, %v)", kind, nbad, err), t)
		return false, nil
	}
	rows, err := l.db.QueryContext(ctx, "select source_id, count(*) from raw_graph group by source_id")
	if err != nil {
		return false, err
	}
	defer rows.Close()
	read := map[int]int64{}
	for rows.Next() {
		var id *int
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return false, err
		}
		if id == nil {
			return false, nil // a row no file claims
		}
		read[*id] = n
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, p := range b {
		p.src.read = read[p.src.id]
	}
	Trace(fmt.Sprintf("%s batch: %d files staged", kind, len(b)), t)
	return true, nil
}
