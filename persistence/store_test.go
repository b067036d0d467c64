package persistence

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func openStore(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatalf("open store in %s: %v", dir, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func openMemoryStore(t testing.TB) *Store {
	t.Helper()
	s, err := OpenInMemory()
	if err != nil {
		t.Fatalf("open in-memory store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// readEvents returns the events of name from index from, keyed by index.
func readEvents(t *testing.T, s *Store, name string, from int) map[int]string {
	t.Helper()
	events := map[int]string{}
	err := s.ForEachEvent(name, from, 0, func(index int, event proto.Message) {
		events[index] = event.(*wrapperspb.StringValue).GetValue()
	})
	if err != nil {
		t.Fatalf("read events of %q: %v", name, err)
	}
	return events
}

func putEvents(t *testing.T, s *Store, name string, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		if err := s.PutEvent(name, i, wrapperspb.String(fmt.Sprint("event ", i))); err != nil {
			t.Fatalf("put event %d of %q: %v", i, name, err)
		}
	}
}

func TestEventSurvivesCrashWithoutClose(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "live")
	s := openStore(t, dir)
	putEvents(t, s, "queue", 0, 0)

	// Copying the files of the open database captures the disk as a crash would leave it:
	// nothing after the copy reaches it and Close never runs on it.
	crashed := filepath.Join(t.TempDir(), "crashed")
	if err := os.CopyFS(crashed, os.DirFS(dir)); err != nil {
		t.Fatalf("copy open database: %v", err)
	}
	putEvents(t, s, "queue", 1, 1)

	events := readEvents(t, openStore(t, crashed), "queue", 0)
	if got := events[0]; got != "event 0" {
		t.Errorf("event 0 after crash = %q, want %q", got, "event 0")
	}
	if got, ok := events[1]; ok {
		t.Errorf("event 1 after crash = %q, want absent because it was put after the crash", got)
	}
}

func TestEventsOfChildNameStaySeparate(t *testing.T) {
	s := openMemoryStore(t)
	// Child actor names extend the parent's, so their keys share the parent's prefix.
	putEvents(t, s, "queue", 0, 2)
	putEvents(t, s, "queue/1", 0, 1)
	putEvents(t, s, "queue/$2", 0, 1)

	if got := len(readEvents(t, s, "queue", 0)); got != 3 {
		t.Errorf("events of queue = %d, want 3", got)
	}
	if got := len(readEvents(t, s, "queue/1", 0)); got != 2 {
		t.Errorf("events of queue/1 = %d, want 2", got)
	}
	last, ok, err := s.LastEventIndex("queue")
	if err != nil {
		t.Fatalf("find last event of queue: %v", err)
	}
	if !ok || last != 2 {
		t.Errorf("LastEventIndex(queue) = %d, %v, want 2, true", last, ok)
	}

	if err := s.DeleteEvents("queue", 10); err != nil {
		t.Fatalf("delete events of queue: %v", err)
	}
	if got := len(readEvents(t, s, "queue/$2", 0)); got != 2 {
		t.Errorf("events of queue/$2 after deleting queue's = %d, want 2", got)
	}
}

func TestForEachEventRange(t *testing.T) {
	s := openMemoryStore(t)
	putEvents(t, s, "queue", 0, 11)

	var indexes []int
	err := s.ForEachEvent("queue", 3, 10, func(index int, _ proto.Message) {
		indexes = append(indexes, index)
	})
	if err != nil {
		t.Fatalf("read events 3 to 10: %v", err)
	}
	want := []int{3, 4, 5, 6, 7, 8, 9}
	if fmt.Sprint(indexes) != fmt.Sprint(want) {
		t.Errorf("indexes read = %v, want %v in order, end exclusive", indexes, want)
	}
}

func TestDeleteEventsKeepsLaterEvents(t *testing.T) {
	s := openStore(t, t.TempDir())
	putEvents(t, s, "queue", 0, 2500)

	if err := s.DeleteEvents("queue", 2399); err != nil {
		t.Fatalf("delete events to 2399: %v", err)
	}
	events := readEvents(t, s, "queue", 0)
	if len(events) != 101 {
		t.Errorf("events left = %d, want 101", len(events))
	}
	if got := events[2400]; got != "event 2400" {
		t.Errorf("event 2400 = %q, want %q", got, "event 2400")
	}
	last, ok, err := s.LastEventIndex("queue")
	if err != nil {
		t.Fatalf("find last event: %v", err)
	}
	if !ok || last != 2500 {
		t.Errorf("LastEventIndex = %d, %v, want 2500, true", last, ok)
	}

	if err := s.DeleteEvents("queue", 2500); err != nil {
		t.Fatalf("delete remaining events: %v", err)
	}
	if _, ok, err := s.LastEventIndex("queue"); err != nil || ok {
		t.Errorf("LastEventIndex after deleting all = _, %v, %v, want false, nil", ok, err)
	}
}

func TestDeleteSnapshotChecksIndex(t *testing.T) {
	s := openMemoryStore(t)
	if err := s.PutSnapshot("queue", 6, wrapperspb.Int64(6)); err != nil {
		t.Fatalf("put snapshot: %v", err)
	}

	if err := s.DeleteSnapshot("queue", 5); err != nil {
		t.Fatalf("delete snapshots to 5: %v", err)
	}
	if _, index, ok, err := s.Snapshot("queue"); err != nil || !ok || index != 6 {
		t.Errorf("Snapshot after delete to 5 = _, %d, %v, %v, want 6, true, nil", index, ok, err)
	}

	if err := s.DeleteSnapshot("queue", 6); err != nil {
		t.Fatalf("delete snapshots to 6: %v", err)
	}
	if _, _, ok, err := s.Snapshot("queue"); err != nil || ok {
		t.Errorf("Snapshot after delete to 6 = _, _, %v, %v, want false, nil", ok, err)
	}
}

func TestNegativeIndexRejected(t *testing.T) {
	s := openMemoryStore(t)
	if err := s.PutEvent("queue", -1, wrapperspb.Int64(1)); err == nil {
		t.Error("PutEvent at index -1 returned nil, want an error")
	}
	if err := s.PutSnapshot("queue", -1, wrapperspb.Int64(1)); err == nil {
		t.Error("PutSnapshot at index -1 returned nil, want an error")
	}
}

func TestClosedStoreReturnsErrClosed(t *testing.T) {
	s := openStore(t, t.TempDir())
	if !s.Ready() {
		t.Fatal("Ready() = false on an open store")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if s.Ready() {
		t.Error("Ready() = true after Close")
	}

	err := s.PutEvent("queue", 0, wrapperspb.Int64(1))
	if !errors.Is(err, ErrClosed) {
		t.Errorf("PutEvent after Close = %v, want ErrClosed", err)
	}
	err = s.ForEachEvent("queue", 0, 0, func(int, proto.Message) {})
	if !errors.Is(err, ErrClosed) {
		t.Errorf("ForEachEvent after Close = %v, want ErrClosed", err)
	}
	if err := s.DeleteEvents("queue", 0); !errors.Is(err, ErrClosed) {
		t.Errorf("DeleteEvents after Close = %v, want ErrClosed", err)
	}
	if err := s.RunGC(); !errors.Is(err, ErrClosed) {
		t.Errorf("RunGC after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

func TestRunGCOnDisk(t *testing.T) {
	s := openStore(t, t.TempDir())
	putEvents(t, s, "queue", 0, 9)
	if err := s.RunGC(); err != nil {
		t.Errorf("RunGC = %v, want nil", err)
	}
}

// BenchmarkPersistEvent measures Store.PutEvent, which Provider.PersistEvent calls directly.
func BenchmarkPersistEvent(b *testing.B) {
	event := wrapperspb.String("ticket 42 issued at counter 3")

	b.Run("disk-serial", func(b *testing.B) {
		s := openStore(b, b.TempDir())
		b.ReportAllocs()
		for i := range b.N {
			if err := s.PutEvent("queue", i, event); err != nil {
				b.Fatal(err)
			}
		}
	})

	// Each goroutine is one actor. Badger commits writes that arrive together with one
	// fsync, so throughput grows with the number of writers.
	b.Run("disk-parallel-16x", func(b *testing.B) {
		s := openStore(b, b.TempDir())
		var writers atomic.Int64
		b.SetParallelism(16)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			name := fmt.Sprint("queue-", writers.Add(1))
			for i := 0; pb.Next(); i++ {
				if err := s.PutEvent(name, i, event); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})

	b.Run("memory-serial", func(b *testing.B) {
		s := openMemoryStore(b)
		b.ReportAllocs()
		for i := range b.N {
			if err := s.PutEvent("queue", i, event); err != nil {
				b.Fatal(err)
			}
		}
	})
}
