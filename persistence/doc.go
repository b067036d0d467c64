// Package persistence stores protoactor event-sourced actor state in Badger.
// It is the only package in callme that imports Badger.
//
// A [Store] owns one Badger database. [Store.Provider] adapts it to protoactor's
// persistence.Provider, so an actor that embeds persistence.Mixin and is spawned with
// persistence.Using(provider) recovers from its last snapshot and the events after it.
//
// # Key layout
//
// Every key starts with a one-letter kind and a slash, followed by the persistence name,
// which protoactor takes from ctx.Self().Id:
//
//	e/<name>/<index>   one event; <index> is the event index as 20 zero-padded decimal
//	                   digits, so byte order equals numeric order and a prefix
//	                   iterator over "e/<name>/" returns the events in index order
//	s/<name>           the latest snapshot of <name>
//
// Because a name may itself contain slashes (child actors are named "parent/child"), the
// events of "a/b" share the prefix "e/a/". Readers therefore accept a key under "e/a/"
// only when exactly 20 digits follow the prefix, which keys of other names never do.
//
// An event value is a serialized google.protobuf.Any that wraps the event, so recovery
// rebuilds the concrete Go type. The type must be registered in the global protobuf
// registry, which generated code does on import. A snapshot value is the 8-byte
// big-endian snapshot index followed by the serialized Any of the snapshot.
//
// # Snapshot semantics
//
// protoactor stores a snapshot under the index of the event it has just persisted, and
// recovery replays events from that index inclusive. A snapshot taken while handling
// persistence.RequestSnapshot must therefore hold the state before that event is applied.
package persistence
