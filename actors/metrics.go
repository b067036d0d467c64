package actors

import (
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/persistence"
	"google.golang.org/protobuf/proto"

	"callme/actors/pb"
	"callme/metrics"
)

// Ready reports whether the engine serves requests. Start returns only after
// the seller registry has recovered, so an engine is ready from then until
// Shutdown.
func (e *Engine) Ready() bool {
	return !e.system.IsStopped()
}

// kindOf returns the kind label of a named actor: the part of the name
// before the first '-' ("order-XYZ" is an order), or the whole name.
func kindOf(name string) string {
	kind, _, _ := strings.Cut(name, "-")
	return kind
}

// instrument gives props a mailbox that updates the callme_actors_live and
// callme_mailbox_depth gauges of kind. It returns props unchanged when the
// engine has no Options.Metrics.
//
// NOTE: it replaces any mailbox producer set on props before.
func (e *Engine) instrument(kind string, props *actor.Props) *actor.Props {
	k := e.opts.Metrics.Kind(kind)
	if k == nil {
		return props
	}
	return props.Configure(actor.WithMailbox(func() actor.Mailbox {
		return actor.Unbounded(&mailboxStats{kind: k})()
	}))
}

// mailboxStats is the middleware of one actor's mailbox. protoactor calls
// MessagePosted from the senders' goroutines and the other methods from the
// mailbox's run loop, which never runs on two goroutines at once.
type mailboxStats struct {
	kind *metrics.Kind
	// stopped is set by the first Stop received. It is read and written by
	// the run loop only.
	stopped bool
}

// MailboxStarted runs once, when the spawn succeeded. A mailbox made for a
// name that already exists is dropped without starting.
func (s *mailboxStats) MailboxStarted() { s.kind.Live.Inc() }

func (s *mailboxStats) MessagePosted(any) { s.kind.Depth.Inc() }

func (s *mailboxStats) MessageReceived(msg any) {
	s.kind.Depth.Dec()
	switch msg.(type) {
	case *actor.SuspendMailbox:
		// protoactor suspends a mailbox after a handler panicked, and skips
		// MessageReceived of the message that panicked.
		// NOTE: a supervisor that escalates a child's failure is suspended
		// without a panic of its own. No actor of the engine has children.
		s.kind.Depth.Dec()
	case *actor.Stop:
		// Stop finishes within this call for an actor without children, and
		// a stopped actor may still receive further Stop messages.
		if !s.stopped {
			s.stopped = true
			s.kind.Live.Dec()
		}
	}
}

func (s *mailboxStats) MailboxEmpty() {}

// timedProvider records the duration of each PersistEvent and
// PersistSnapshot of the wrapped provider in callme_persist_seconds.
type timedProvider struct {
	persistence.Provider
	metrics *metrics.Metrics
}

// timeProvider wraps p, or returns it unchanged when m is nil.
func timeProvider(p persistence.Provider, m *metrics.Metrics) persistence.Provider {
	if m == nil {
		return p
	}
	return timedProvider{Provider: p, metrics: m}
}

func (p timedProvider) GetState() persistence.ProviderState {
	return timedState{ProviderState: p.Provider.GetState(), metrics: p.metrics}
}

type timedState struct {
	persistence.ProviderState
	metrics *metrics.Metrics
}

// PersistEvent records nothing when the write panics, so a failed write is
// not in the histogram.
func (s timedState) PersistEvent(actorName string, index int, event proto.Message) {
	start := time.Now()
	s.ProviderState.PersistEvent(actorName, index, event)
	s.metrics.ObservePersist(time.Since(start))
}

func (s timedState) PersistSnapshot(actorName string, index int, snapshot proto.Message) {
	start := time.Now()
	s.ProviderState.PersistSnapshot(actorName, index, snapshot)
	s.metrics.ObservePersist(time.Since(start))
}

// countTransition counts an order whose status changed from was to now by a
// persisted event. Replayed events do not pass through here.
func (e *Engine) countTransition(was, now string) {
	if now != was && now != "" {
		e.opts.Metrics.OrderReached(now)
	}
}

// stampedPush returns the hub message of a push to openid, stamped with the
// time that callme_push_seconds starts from.
func stampedPush(openid string, data []byte) *pb.PushToUser {
	return &pb.PushToUser{Openid: openid, Data: data, CreatedUnixNano: time.Now().UnixNano()}
}

// pushed records a push that the connection actor has written to its
// socket. A push without a creation time is not recorded, and neither is
// one that arrived after the socket closed and so was not written.
func (c *conn) pushed(m *pb.Push) {
	created := m.GetCreatedUnixNano()
	if created == 0 || c.closed {
		return
	}
	// The wall clock may step back between the two readings.
	if d := time.Duration(time.Now().UnixNano() - created); d >= 0 {
		c.engine.opts.Metrics.ObservePush(d)
	}
}
