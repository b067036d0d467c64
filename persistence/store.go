package persistence

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// ErrClosed is returned by every Store operation after Close.
var ErrClosed = errors.New("persistence: store is closed")

const (
	// gcInterval is the pause between background value-log GC passes.
	gcInterval = 5 * time.Minute
	// gcMaxRounds bounds one GC pass. Each RunValueLogGC call rewrites at most one file.
	gcMaxRounds = 64
	// gcDiscardRatio makes GC rewrite a value-log file once half of it is stale.
	gcDiscardRatio = 0.5
)

// Store is a Badger database that contains actor events and snapshots.
// All methods are safe for concurrent use. Close must not run concurrently with other
// calls, because Badger iterators panic on a database closed under them.
type Store struct {
	db *badger.DB

	stopGC chan struct{}
	gcDone chan struct{} // closed when the GC loop exits; nil for an in-memory store

	gcMu      sync.Mutex
	lastGCErr error // guarded by gcMu

	closeOnce sync.Once
	closeErr  error
}

// Open opens or creates a Badger database in dir and starts a background goroutine that
// runs value-log GC every few minutes until Close.
// Every write is fsynced before it returns (Badger SyncWrites), so acknowledged events
// survive a crash. Badger's own logging is disabled. The caller owns the Store and must
// Close it.
func Open(dir string) (*Store, error) {
	opts := badgerOptions(badger.DefaultOptions(dir)).WithSyncWrites(true)
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("persistence: open badger in %q: %w", dir, err)
	}

	s := &Store{db: db, stopGC: make(chan struct{}), gcDone: make(chan struct{})}
	go s.gcLoop()
	return s, nil
}

// OpenInMemory opens a Store that keeps everything in memory and loses it on Close.
// It is meant for tests.
func OpenInMemory() (*Store, error) {
	opts := badgerOptions(badger.DefaultOptions("").WithInMemory(true))
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("persistence: open in-memory badger: %w", err)
	}
	return &Store{db: db, stopGC: make(chan struct{})}, nil
}

// badgerOptions sizes Badger for a small server whose state is queues of tickets, far
// below Badger's defaults, which target large databases.
func badgerOptions(opts badger.Options) badger.Options {
	return opts.
		WithLogger(nil).
		WithMemTableSize(16 << 20).    // default 64 MiB
		WithNumMemtables(3).           // default 5
		WithBlockCacheSize(32 << 20).  // default 256 MiB
		WithValueLogFileSize(64 << 20) // default 1 GiB; values here are small
}

// Close stops the GC goroutine, flushes the memtables to disk and closes the database.
// Later calls return the result of the first one.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stopGC)
		if s.gcDone != nil {
			<-s.gcDone
		}
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("persistence: close badger: %w", err)
		}
	})
	return s.closeErr
}

// Ready reports whether the Store is open and accepts reads and writes.
func (s *Store) Ready() bool {
	return !s.db.IsClosed()
}

// RunGC runs value-log GC until Badger finds no file worth rewriting, at most 64 rounds.
// It returns nil for an in-memory store and when another GC pass is already running.
// Open already runs it in the background. Call it directly after a large DeleteEvents.
func (s *Store) RunGC() error {
	if s.db.IsClosed() {
		return ErrClosed
	}
	if s.gcDone == nil {
		return nil
	}
	for range gcMaxRounds {
		// Close waits for the background pass, so stop between rounds.
		select {
		case <-s.stopGC:
			return nil
		default:
		}

		err := s.db.RunValueLogGC(gcDiscardRatio)
		if errors.Is(err, badger.ErrNoRewrite) || errors.Is(err, badger.ErrRejected) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("persistence: run value-log gc: %w", err)
		}
	}
	return nil
}

// LastGCError returns the error of the latest background GC pass, or nil if it succeeded
// or none has run yet. The background loop cannot return errors, so callers that log
// storage health poll this.
func (s *Store) LastGCError() error {
	s.gcMu.Lock()
	defer s.gcMu.Unlock()
	return s.lastGCErr
}

func (s *Store) gcLoop() {
	defer close(s.gcDone)
	ticker := time.NewTicker(gcInterval)
	defer ticker.Stop()

	for {
		select {
		case <-s.stopGC:
			return
		case <-ticker.C:
		}
		err := s.RunGC()
		s.gcMu.Lock()
		s.lastGCErr = err
		s.gcMu.Unlock()
	}
}
