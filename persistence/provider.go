package persistence

import (
	"fmt"

	"github.com/asynkron/protoactor-go/persistence"
	"google.golang.org/protobuf/proto"
)

// Provider adapts a Store to protoactor's persistence.Provider and ProviderState.
//
// protoactor's ProviderState methods cannot return errors, so on a store failure every
// method panics with an error that wraps the cause (ErrClosed, a Badger error or a
// protobuf decode error) and names the failed step. The panic runs inside the actor's
// Receive or recovery, so it reaches the actor's supervisor. Under protoactor's default
// strategy the actor restarts as a fresh instance and persistence.Using recovers it from
// the store. The sender of the command that failed gets no reply.
//
// The methods run on the actor's goroutine. One Provider may serve many actors.
type Provider struct {
	store    *Store
	interval int
}

var _ persistence.ProviderState = (*Provider)(nil)

// Provider returns a protoactor persistence provider backed by s that requests a snapshot
// every snapshotInterval events, starting with event 0.
// It panics if snapshotInterval is less than 1, because protoactor takes the event index
// modulo the interval.
func (s *Store) Provider(snapshotInterval int) *Provider {
	if snapshotInterval < 1 {
		panic(fmt.Sprintf(
			"persistence: snapshot interval %d is invalid, use 1 or more",
			snapshotInterval,
		))
	}
	return &Provider{store: s, interval: snapshotInterval}
}

// GetState returns p itself, because p keeps no per-actor state.
func (p *Provider) GetState() persistence.ProviderState {
	return p
}

// Restart does nothing. protoactor calls it before each recovery.
func (p *Provider) Restart() {}

// GetSnapshotInterval returns the interval given to Store.Provider.
func (p *Provider) GetSnapshotInterval() int {
	return p.interval
}

// GetSnapshot returns the snapshot of actorName and the event index it was taken at, or
// false if there is none.
func (p *Provider) GetSnapshot(actorName string) (any, int, bool) {
	snapshot, index, ok, err := p.store.Snapshot(actorName)
	if err != nil {
		panic(err)
	}
	if !ok {
		return nil, 0, false
	}
	return snapshot, index, true
}

// PersistSnapshot stores snapshot as the snapshot of actorName at snapshotIndex. It
// returns after an on-disk Store has fsynced it.
func (p *Provider) PersistSnapshot(actorName string, snapshotIndex int, snapshot proto.Message) {
	if err := p.store.PutSnapshot(actorName, snapshotIndex, snapshot); err != nil {
		panic(err)
	}
}

// DeleteSnapshots deletes the snapshot of actorName if its index is <= inclusiveToIndex.
func (p *Provider) DeleteSnapshots(actorName string, inclusiveToIndex int) {
	if err := p.store.DeleteSnapshot(actorName, inclusiveToIndex); err != nil {
		panic(err)
	}
}

// GetEvents calls callback with each event of actorName from eventIndexStart inclusive to
// eventIndexEnd exclusive, in index order. An eventIndexEnd of 0 means no upper bound.
// NOTE: protoactor's couchbase provider treats the end as inclusive and its in-memory
// provider as exclusive. persistence.Mixin only passes 0.
func (p *Provider) GetEvents(
	actorName string,
	eventIndexStart int,
	eventIndexEnd int,
	callback func(e any),
) {
	forward := func(_ int, event proto.Message) { callback(event) }
	err := p.store.ForEachEvent(actorName, eventIndexStart, eventIndexEnd, forward)
	if err != nil {
		panic(err)
	}
}

// PersistEvent stores event at eventIndex for actorName. It returns after an on-disk
// Store has fsynced it.
func (p *Provider) PersistEvent(actorName string, eventIndex int, event proto.Message) {
	if err := p.store.PutEvent(actorName, eventIndex, event); err != nil {
		panic(err)
	}
}

// DeleteEvents deletes the events of actorName with index <= inclusiveToIndex.
func (p *Provider) DeleteEvents(actorName string, inclusiveToIndex int) {
	if err := p.store.DeleteEvents(actorName, inclusiveToIndex); err != nil {
		panic(err)
	}
}
