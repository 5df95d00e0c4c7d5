package ingest

import (
	"context"
	"strings"
)

// Small files that read and write no sign-in wait in lanes of their own and
// load together at the end, or when their lane is full: AuthDetails
// (attached to the sign-ins after every file) and the side files, one lane
// per format (users, MFA registration, administrators, registers, CA
// exports, named locations, …, CSV or JSON; a register's workbooks share
// the CSV registers' lane, sideLane). An MSP's tenant folders hold
// one of each per tenant; each cost 20-35 ms alone, whatever its rows, in
// the dozen statements of its load (100 folders: 16.1 s of a 31.9 s load,
// issue 5). A batch of one format is rewritten file by file (a CSV, or a
// workbook's rows, by writeTable: its broken lines, its day/month order;
// JSON split to NDJSON: its broken records), read by one read_csv or
// read_json with each row's source and tenant, and mapped by one run of the
// format's SQL; each file keeps its own source, record numbers, rejected
// rows, counts and tenant. Any error makes each file load on its own
// (loadTogether).

// sideBatchFileMax is the largest side file a lane takes: the fixed cost a
// batch spares is a file's, which a file of that size already dwarfs.
const sideBatchFileMax = 4 << 20

// sideLaneMax bounds the bytes waiting in one side lane: a waiting file
// holds its sniffed head (up to 1 MiB), and an MSP's lanes, one per format,
// all wait until the end. A test makes it small.
var sideLaneMax int64 = 32 << 20

// laneOf is the lane of a batch kind: "authdetails" for AuthDetails of any
// layout (one lane: a file of another layout loads the lane first), the
// kind itself for a side format, "" for a kind that batches otherwise.
func laneOf(kind string) string {
	switch {
	case strings.HasPrefix(kind, "authdetails "):
		return "authdetails"
	case strings.HasPrefix(kind, "side "):
		return kind
	}
	return ""
}

// sideAdd queues p, of kind (batchKind), in its lane if it has one, loading the lane's batch
// first when p is of another layout or the batch is full; false when p
// does not batch so. A file that reads no sign-in and loads on its own
// first loads the lanes holding files of its kind: a register's lines are
// compared with those of the registers loaded before it, and a file that
// repeats another is told by the sources loaded before it (sameContent).
func (l *loader) sideAdd(ctx context.Context, p *prepared, kind string) (bool, error) {
	lane := laneOf(kind)
	if !batching || lane == "" {
		if p.src.format.kind == "signins" {
			return false, nil
		}
		return false, l.flushLanes(ctx, p.src.format.kind)
	}
	if l.lanes == nil {
		l.lanes = map[string]*pending{}
	}
	pb := l.lanes[lane]
	if pb == nil {
		pb = &pending{}
		l.lanes[lane] = pb
	}
	if !pb.takes(p, kind) {
		if err := l.loadPending(ctx, pb); err != nil {
			return false, err
		}
	}
	pb.add(p, kind)
	return true, nil
}

// flushLanes loads the lanes holding files of kind (a format's kind:
// "register", "users", …), or every lane when kind is "", in the order of
// their first files.
func (l *loader) flushLanes(ctx context.Context, kind string) error {
	var all []*pending
	for _, pb := range l.lanes {
		if len(pb.b) > 0 && (kind == "" || pb.b[0].src.format.kind == kind) {
			all = append(all, pb)
		}
	}
	return l.loadInOrder(ctx, all)
}

// loadSideBatch loads the side files of b, all of one format, as one
// batch, or each on its own when the batch cannot take them whole.
func (l *loader) loadSideBatch(ctx context.Context, kind string, b []*prepared) error {
	return l.loadTogether(ctx, kind, b, func(srcs []*source) (bool, error) {
		return true, b[0].src.format.side.loadAll(ctx, l, srcs)
	})
}
