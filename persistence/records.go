package persistence

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/dgraph-io/badger/v4"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// indexDigits is the width of the zero-padded event index in keys. Twenty digits fit
// every uint64, so a non-negative int index always fits.
const indexDigits = 20

func eventPrefix(name string) []byte {
	return []byte("e/" + name + "/")
}

func eventKey(name string, index int) []byte {
	return fmt.Appendf(eventPrefix(name), "%0*d", indexDigits, index)
}

// eventIndex parses the index of key under prefix. It returns false for keys of other
// names that share the prefix, such as those of a child actor "name/child".
func eventIndex(key, prefix []byte) (int, bool) {
	digits := key[len(prefix):]
	if len(digits) != indexDigits {
		return 0, false
	}
	index, err := strconv.ParseInt(string(digits), 10, 0)
	if err != nil || index < 0 {
		return 0, false
	}
	return int(index), true
}

func snapshotKey(name string) []byte {
	return []byte("s/" + name)
}

func checkIndex(kind, name string, index int) error {
	if index < 0 {
		return fmt.Errorf(
			"persistence: %s index %d of %q is invalid, use 0 or more",
			kind, index, name,
		)
	}
	return nil
}

func encodeMessage(msg proto.Message) ([]byte, error) {
	wrapped, err := anypb.New(msg)
	if err != nil {
		return nil, err
	}
	return proto.Marshal(wrapped)
}

func decodeMessage(data []byte) (proto.Message, error) {
	var wrapped anypb.Any
	if err := proto.Unmarshal(data, &wrapped); err != nil {
		return nil, err
	}
	// UnmarshalNew fails with protoregistry.NotFound unless the type's package is linked in.
	return wrapped.UnmarshalNew()
}

// update and view run fn in a Badger transaction, or return ErrClosed after Close.
func (s *Store) update(fn func(txn *badger.Txn) error) error {
	if s.db.IsClosed() {
		return ErrClosed
	}
	return s.db.Update(fn)
}

func (s *Store) view(fn func(txn *badger.Txn) error) error {
	if s.db.IsClosed() {
		return ErrClosed
	}
	return s.db.View(fn)
}

// PutEvent stores event at index for the actor name in one transaction, overwriting any
// event already at that index. When it returns nil, an on-disk Store has fsynced it.
func (s *Store) PutEvent(name string, index int, event proto.Message) error {
	if err := checkIndex("event", name, index); err != nil {
		return err
	}
	value, err := encodeMessage(event)
	if err != nil {
		return fmt.Errorf("persistence: encode event %d of %q: %w", index, name, err)
	}
	err = s.update(func(txn *badger.Txn) error {
		return txn.Set(eventKey(name, index), value)
	})
	if err != nil {
		return fmt.Errorf("persistence: put event %d of %q: %w", index, name, err)
	}
	return nil
}

// ForEachEvent calls fn for each stored event of name with from <= index < to, in index
// order. A to of 0 means no upper bound. fn runs on the calling goroutine inside a read
// transaction and owns the message it receives. A decode failure stops the iteration.
func (s *Store) ForEachEvent(
	name string,
	from, to int,
	fn func(index int, event proto.Message),
) error {
	if err := checkIndex("start", name, from); err != nil {
		return err
	}
	prefix := eventPrefix(name)
	err := s.view(func(txn *badger.Txn) error {
		opts := badger.DefaultIteratorOptions
		opts.Prefix = prefix
		it := txn.NewIterator(opts)
		defer it.Close()

		for it.Seek(eventKey(name, from)); it.Valid(); it.Next() {
			index, ok := eventIndex(it.Item().Key(), prefix)
			if !ok {
				continue
			}
			if to > 0 && index >= to {
				return nil
			}
			event, err := s.decodeItem(it.Item())
			if err != nil {
				return fmt.Errorf("decode event %d: %w", index, err)
			}
			fn(index, event)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("persistence: read events of %q from %d: %w", name, from, err)
	}
	return nil
}

func (s *Store) decodeItem(item *badger.Item) (proto.Message, error) {
	var msg proto.Message
	err := item.Value(func(value []byte) error {
		var err error
		msg, err = decodeMessage(value)
		return err
	})
	return msg, err
}

// LastEventIndex returns the highest stored event index of name, and false if name has
// no events.
func (s *Store) LastEventIndex(name string) (int, bool, error) {
	prefix := eventPrefix(name)
	last, found := 0, false
	err := s.view(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		defer it.Close()

		// In reverse mode Seek goes to the largest key <= its argument.
		for it.Seek(append(prefix, 0xFF)); it.Valid(); it.Next() {
			if last, found = eventIndex(it.Item().Key(), prefix); found {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("persistence: find last event of %q: %w", name, err)
	}
	return last, found, nil
}

// DeleteEvents deletes the events of name with index <= inclusiveTo. The deletes go
// through a Badger WriteBatch, which splits them into transactions that fit Badger's
// size limits, so a crash midway can leave a prefix of them deleted. Call it only for
// events that a stored snapshot already covers.
func (s *Store) DeleteEvents(name string, inclusiveTo int) error {
	if s.db.IsClosed() {
		return ErrClosed
	}
	batch := s.db.NewWriteBatch()
	defer batch.Cancel()

	prefix := eventPrefix(name)
	err := s.view(func(txn *badger.Txn) error {
		// Keys only: the values of deleted events are never read.
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()

		for it.Rewind(); it.Valid(); it.Next() {
			index, ok := eventIndex(it.Item().Key(), prefix)
			if !ok {
				continue
			}
			if index > inclusiveTo {
				return nil
			}
			if err := batch.Delete(it.Item().KeyCopy(nil)); err != nil {
				return fmt.Errorf("delete event %d: %w", index, err)
			}
		}
		return nil
	})
	if err == nil {
		err = batch.Flush()
	}
	if err != nil {
		return fmt.Errorf("persistence: delete events of %q to %d: %w", name, inclusiveTo, err)
	}
	return nil
}

// PutSnapshot replaces the snapshot of name with snapshot, taken at event index, in one
// transaction. When it returns nil, an on-disk Store has fsynced it.
func (s *Store) PutSnapshot(name string, index int, snapshot proto.Message) error {
	if err := checkIndex("snapshot", name, index); err != nil {
		return err
	}
	encoded, err := encodeMessage(snapshot)
	if err != nil {
		return fmt.Errorf("persistence: encode snapshot %d of %q: %w", index, name, err)
	}
	value := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(encoded)), uint64(index))
	value = append(value, encoded...)

	err = s.update(func(txn *badger.Txn) error {
		return txn.Set(snapshotKey(name), value)
	})
	if err != nil {
		return fmt.Errorf("persistence: put snapshot %d of %q: %w", index, name, err)
	}
	return nil
}

// Snapshot returns the snapshot of name and its event index, or false if name has none.
// The caller owns the returned message.
func (s *Store) Snapshot(name string) (proto.Message, int, bool, error) {
	var (
		snapshot proto.Message
		index    int
	)
	err := s.view(func(txn *badger.Txn) error {
		item, err := txn.Get(snapshotKey(name))
		if err != nil {
			return err
		}
		return item.Value(func(value []byte) error {
			index, snapshot, err = decodeSnapshot(value)
			return err
		})
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, fmt.Errorf("persistence: get snapshot of %q: %w", name, err)
	}
	return snapshot, index, true, nil
}

func decodeSnapshot(value []byte) (int, proto.Message, error) {
	index, err := snapshotIndex(value)
	if err != nil {
		return 0, nil, err
	}
	msg, err := decodeMessage(value[8:])
	return index, msg, err
}

func snapshotIndex(value []byte) (int, error) {
	if len(value) < 8 {
		return 0, fmt.Errorf("snapshot value has %d bytes, fewer than 8", len(value))
	}
	return int(binary.BigEndian.Uint64(value)), nil
}

// DeleteSnapshot deletes the snapshot of name if its index is <= inclusiveTo.
func (s *Store) DeleteSnapshot(name string, inclusiveTo int) error {
	err := s.update(func(txn *badger.Txn) error {
		item, err := txn.Get(snapshotKey(name))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}

		var index int
		err = item.Value(func(value []byte) error {
			index, err = snapshotIndex(value)
			return err
		})
		if err != nil || index > inclusiveTo {
			return err
		}
		return txn.Delete(snapshotKey(name))
	})
	if err != nil {
		return fmt.Errorf("persistence: delete snapshot of %q to %d: %w", name, inclusiveTo, err)
	}
	return nil
}
