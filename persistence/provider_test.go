package persistence

import (
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/persistence"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestProviderRoundTripOnDisk(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	provider := s.Provider(3)
	for i := range 5 {
		provider.PersistEvent("queue", i, wrapperspb.Int64(int64(i*10)))
	}
	provider.PersistSnapshot("queue", 3, wrapperspb.String("state before event 3"))
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	provider = openStore(t, dir).Provider(3).GetState().(*Provider)
	snapshot, index, ok := provider.GetSnapshot("queue")
	if !ok || index != 3 {
		t.Fatalf("GetSnapshot = _, %d, %v, want index 3, true", index, ok)
	}
	if !proto.Equal(snapshot.(proto.Message), wrapperspb.String("state before event 3")) {
		t.Errorf("snapshot = %v, want the stored StringValue", snapshot)
	}

	var events []int64
	provider.GetEvents("queue", 0, 0, func(e any) {
		events = append(events, e.(*wrapperspb.Int64Value).GetValue())
	})
	if len(events) != 5 {
		t.Fatalf("events = %v, want 5 events", events)
	}
	for i, got := range events {
		if got != int64(i*10) {
			t.Errorf("event %d = %d, want %d", i, got, i*10)
		}
	}
}

func TestProviderPanicsOnClosedStore(t *testing.T) {
	s := openStore(t, t.TempDir())
	provider := s.Provider(1)
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	defer func() {
		err, ok := recover().(error)
		if !ok || !errors.Is(err, ErrClosed) {
			t.Errorf("panic value = %v, want an error wrapping ErrClosed", err)
		}
	}()
	provider.PersistEvent("queue", 0, wrapperspb.Int64(1))
	t.Error("PersistEvent on a closed store returned, want a panic")
}

func TestProviderRejectsZeroInterval(t *testing.T) {
	s := openMemoryStore(t)
	defer func() {
		if recover() == nil {
			t.Error("Provider(0) returned, want a panic")
		}
	}()
	s.Provider(0)
}

// counter is a persistent actor. Each increment command persists an Int64Value event
// containing the count it produces, and applying any event adds 1. An event applied twice
// therefore raises the count and shows up as a gap. The snapshot is a UInt64Value
// containing the count.
type counter struct {
	persistence.Mixin
	count    int64
	gaps     int // events whose value was not count+1 when applied
	replayed int // events applied during recovery
}

type increment struct{}

type getCounter struct{}

type counterState struct {
	count    int64
	gaps     int
	replayed int
}

func (c *counter) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *increment:
		event := wrapperspb.Int64(c.count + 1)
		// PersistReceive may request a snapshot, which must hold the state before event.
		c.PersistReceive(event)
		c.apply(event)
	case *wrapperspb.Int64Value:
		c.replayed++
		c.apply(msg)
	case *wrapperspb.UInt64Value:
		c.count = int64(msg.GetValue())
	case *persistence.RequestSnapshot:
		c.PersistSnapshot(wrapperspb.UInt64(uint64(c.count)))
	case *getCounter:
		ctx.Respond(counterState{count: c.count, gaps: c.gaps, replayed: c.replayed})
	}
}

func (c *counter) apply(event *wrapperspb.Int64Value) {
	if event.GetValue() != c.count+1 {
		c.gaps++
	}
	c.count++
}

// runCounter spawns the counter actor "counter" on provider in a fresh actor system,
// sends it the given number of increment commands and returns its state after them.
// It stops the actor before returning, so nothing writes to the store afterwards.
func runCounter(t *testing.T, provider *Provider, commands int) counterState {
	t.Helper()
	system := actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return slog.New(slog.DiscardHandler)
	}))
	defer system.Shutdown()

	props := actor.PropsFromProducer(
		func() actor.Actor { return &counter{} },
		actor.WithReceiverMiddleware(persistence.Using(provider)),
	)
	pid, err := system.Root.SpawnNamed(props, "counter")
	if err != nil {
		t.Fatalf("spawn counter: %v", err)
	}
	for range commands {
		system.Root.Send(pid, &increment{})
	}

	reply, err := system.Root.RequestFuture(pid, &getCounter{}, 5*time.Second).Result()
	if err != nil {
		t.Fatalf("request counter state: %v", err)
	}
	if err := system.Root.StopFuture(pid).Wait(); err != nil {
		t.Fatalf("stop counter: %v", err)
	}
	return reply.(counterState)
}

// storeModes run each actor test against a Store on disk, which a restart reopens from
// its directory, and against an in-memory Store, which a restart keeps.
var storeModes = []struct {
	name    string
	open    func(t *testing.T, dir string) *Store
	restart func(t *testing.T, s *Store, dir string) *Store
}{
	{
		name: "disk",
		open: func(t *testing.T, dir string) *Store { return openStore(t, dir) },
		restart: func(t *testing.T, s *Store, dir string) *Store {
			if err := s.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			return openStore(t, dir)
		},
	},
	{
		name:    "memory",
		open:    func(t *testing.T, _ string) *Store { return openMemoryStore(t) },
		restart: func(_ *testing.T, s *Store, _ string) *Store { return s },
	},
}

func TestCounterRecoversFromSnapshot(t *testing.T) {
	cases := []struct {
		name         string
		interval     int
		commands     int
		wantSnapshot int // index of the last snapshot
	}{
		// protoactor requests a snapshot at every event index divisible by the interval.
		{name: "interval 3 snapshot then event", interval: 3, commands: 5, wantSnapshot: 3},
		{name: "interval 3 snapshot on last event", interval: 3, commands: 4, wantSnapshot: 3},
		{name: "interval 1", interval: 1, commands: 3, wantSnapshot: 2},
		{name: "interval above event count", interval: 10, commands: 4, wantSnapshot: 0},
	}
	for _, mode := range storeModes {
		for _, tc := range cases {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "store")
				s := mode.open(t, dir)
				first := runCounter(t, s.Provider(tc.interval), tc.commands)
				if first.count != int64(tc.commands) {
					t.Fatalf("count before restart = %d, want %d", first.count, tc.commands)
				}

				s = mode.restart(t, s, dir)
				checkSnapshot(t, s, tc.wantSnapshot)
				recovered := runCounter(t, s.Provider(tc.interval), 0)
				if recovered.count != int64(tc.commands) {
					t.Errorf("recovered count = %d, want %d", recovered.count, tc.commands)
				}
				if recovered.gaps != 0 {
					t.Errorf("recovered with %d gaps, want 0", recovered.gaps)
				}
				// Replay starts at the snapshot's own event and runs to the last event.
				wantReplayed := tc.commands - tc.wantSnapshot
				if recovered.replayed != wantReplayed {
					t.Errorf("replayed %d events, want %d", recovered.replayed, wantReplayed)
				}

				// New events continue the index after recovery.
				runCounter(t, s.Provider(tc.interval), 2)
				s = mode.restart(t, s, dir)
				again := runCounter(t, s.Provider(tc.interval), 0)
				if again.count != int64(tc.commands+2) {
					t.Errorf("count after second recovery = %d, want %d",
						again.count, tc.commands+2)
				}
				if again.gaps != 0 {
					t.Errorf("second recovery had %d gaps, want 0", again.gaps)
				}
			})
		}
	}
}

// checkSnapshot fails t unless the counter's stored snapshot is at wantIndex and holds
// the count before that event, which is wantIndex.
func checkSnapshot(t *testing.T, s *Store, wantIndex int) {
	t.Helper()
	snapshot, index, ok, err := s.Snapshot("counter")
	if err != nil {
		t.Fatalf("get snapshot of counter: %v", err)
	}
	if !ok {
		t.Fatal("counter has no snapshot, want one")
	}
	if index != wantIndex {
		t.Errorf("snapshot index = %d, want %d", index, wantIndex)
	}
	if got := snapshot.(*wrapperspb.UInt64Value).GetValue(); got != uint64(wantIndex) {
		t.Errorf("snapshot count = %d, want %d, the count before event %d",
			got, wantIndex, wantIndex)
	}
}
