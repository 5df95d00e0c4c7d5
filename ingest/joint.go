package ingest

import (
	"context"
	"sort"
)

// A joint batch: an MSP's tenant folders each hold a Graph file beside
// portal CSVs (tenant001/…SignInLogs.json, tenant001/InteractiveSignIns_….csv,
// tenant002/…), and either may hold sign-ins the other holds too, where the
// file first in load order keeps them (dedup.sql). Loaded in file order,
// every change of shape ended a batch: 100 such folders loaded their 200
// sign-in files one by one, 16 of 21 s (issue 5). Their batches now wait
// side by side and load as one: the Graph batch's records read and its
// sign-ins mapped, then each portal batch's rows read, then all the files'
// sign-ins finished together in source id order (finishSources, which
// keeps the first copy of a sign-in by source id and record number, as the
// files one by one would), then the Graph steps and policies of the
// sign-ins kept. What is kept is what file order keeps, whatever the
// overlap.

// graphFamily says whether batches of kind map raw_graph (graph.sql): at
// most one such batch waits at a time, as there is one raw_graph.
func graphFamily(kind string) bool {
	return kind == "graph" || kind == "graph-nd" || kind == "diagnostic"
}

// signinBatch says whether batches of kind write sign-ins.
func signinBatch(kind string) bool {
	return graphFamily(kind) || portalBatchEvent(kind) != ""
}

// mayOverlap says whether batches of kinds a and b may hold the same
// sign-ins: a Graph file may hold sign-ins of any event type, a portal CSV
// those of its own.
func mayOverlap(a, b string) bool {
	return graphFamily(a) || graphFamily(b) || portalBatchEvent(a) == portalBatchEvent(b)
}

// pendingBytes is the bytes of the current batch and the parked ones.
func (l *loader) pendingBytes() int64 {
	n := l.batch.bytes
	for _, pb := range l.parked {
		n += pb.bytes
	}
	return n
}

// loadJoint loads the batches of all (sign-in batches, at most one of the
// Graph family) as one joint batch; when it cannot, each file loads on its
// own, in file order.
func (l *loader) loadJoint(ctx context.Context, all []*pending) error {
	sort.Slice(all, func(i, j int) bool { return all[i].b[0].src.id < all[j].b[0].src.id })
	var b []*prepared
	var graph *pending
	for _, pb := range all {
		b = append(b, pb.b...)
		if graphFamily(pb.kind) {
			graph = pb
		}
	}
	sort.Slice(b, func(i, j int) bool { return b[i].src.id < b[j].src.id })
	var paths []string
	if graph != nil {
		var i int
		var remove func()
		var err error
		paths, i, remove, err = l.batchPaths(graph.kind, graph.b)
		defer remove()
		if err != nil {
			return err
		}
		if i < len(graph.b) {
			// A page that does not join: every file on its own.
			for _, p := range b {
				if err := l.loadOne(ctx, p); err != nil {
					return err
				}
			}
			return nil
		}
	}
	err := l.loadTogether(ctx, "joint", b, func(srcs []*source) (bool, error) {
		if graph != nil {
			ok, err := l.readBatch(ctx, graph.kind, graph.b, paths)
			if err != nil || !ok {
				return false, err
			}
			if err := l.mapGraphSignins(ctx, sourcesOf(graph.b), nil); err != nil {
				return false, err
			}
		}
		for _, pb := range all {
			if pb == graph {
				continue
			}
			ok, err := l.readPortalBatch(ctx, pb.b)
			if err != nil || !ok {
				return false, err
			}
			if err := l.portalBatchNotSignins(ctx, sourcesOf(pb.b)); err != nil {
				return false, err
			}
		}
		if err := l.finishSources(ctx, srcs); err != nil {
			return false, err
		}
		if graph != nil {
			return true, l.mapGraphRest(ctx)
		}
		return true, nil
	})
	if l.bar != nil {
		l.bar.batchDone(ctx, l.db)
	}
	return err
}

// sourcesOf is the sources of b.
func sourcesOf(b []*prepared) []*source {
	srcs := make([]*source, len(b))
	for i, p := range b {
		srcs[i] = p.src
	}
	return srcs
}
