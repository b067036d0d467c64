package actors

import (
	"sort"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/persistence"
	"google.golang.org/protobuf/proto"

	"callme/actors/pb"
)

// touchEvery is how often a session's last use is persisted. Expiry is
// therefore exact to within this interval.
const touchEvery = 24 * time.Hour

// sessionShard is one of the session directory actors. It maps the session
// ids hashed to it onto openids, persists each new, used and ended session,
// and ends sessions unused for Options.SessionTTL.
type sessionShard struct {
	persistence.Mixin
	engine   *Engine
	sessions map[string]*pb.SessionOpened
}

func newSessionShard(e *Engine) *sessionShard {
	return &sessionShard{engine: e, sessions: make(map[string]*pb.SessionOpened)}
}

func (s *sessionShard) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *persistence.RequestSnapshot:
		s.PersistSnapshot(s.snapshot())
	case *pb.SessionsSnapshot:
		for _, o := range m.GetSessions() {
			s.put(o)
		}
	case *pb.SessionOpened:
		s.put(m)
	case *pb.SessionsTouched:
		s.applyTouched(m)
	case *pb.SessionClosed:
		s.remove(m.GetSessionId())
	case *pb.OpenSession:
		sender := ctx.Sender()
		now := s.engine.unix()
		ev := &pb.SessionOpened{SessionId: m.GetSessionId(), Openid: m.GetOpenid(), At: now,
			LastUsed: now}
		s.PersistReceive(ev)
		s.put(ev)
		ctx.Send(sender, &pb.Ok{})
	case *pb.ResolveSession:
		s.resolve(ctx, m.GetSessionId())
	case *pb.CloseSession:
		o, ok := s.sessions[m.GetSessionId()]
		if !ok {
			ctx.Respond(failure(401, "%s", ErrInvalidSession.Msg))
			return
		}
		sender := ctx.Sender()
		s.end(m.GetSessionId())
		ctx.Send(sender, &pb.SessionInfo{Openid: o.GetOpenid()})
	}
}

// resolve returns a session's openid, ending the session if it expired and
// persisting its use at most once per touchEvery.
func (s *sessionShard) resolve(ctx actor.Context, id string) {
	o, ok := s.sessions[id]
	if !ok {
		ctx.Respond(failure(401, "%s", ErrInvalidSession.Msg))
		return
	}
	sender := ctx.Sender()
	now := s.engine.unix()
	idle := now - max(o.GetLastUsed(), o.GetAt())
	if idle >= int64(s.engine.opts.SessionTTL/time.Second) {
		s.end(id)
		ctx.Send(sender, failure(401, "%s", ErrInvalidSession.Msg))
		return
	}
	if idle >= int64(touchEvery/time.Second) {
		ev := &pb.SessionsTouched{SessionIds: []string{id}, At: now}
		s.PersistReceive(ev)
		s.applyTouched(ev)
	}
	ctx.Send(sender, &pb.SessionInfo{Openid: o.GetOpenid()})
}

func (s *sessionShard) end(id string) {
	ev := &pb.SessionClosed{SessionId: id}
	s.PersistReceive(ev)
	s.remove(id)
}

// put records a session here and in the engine's published view.
func (s *sessionShard) put(o *pb.SessionOpened) {
	s.sessions[o.GetSessionId()] = o
	s.engine.sessions.store(o)
}

func (s *sessionShard) remove(id string) {
	delete(s.sessions, id)
	s.engine.sessions.remove(id)
}

// applyTouched replaces each touched session with a copy, because the
// published view shares the old one with readers.
func (s *sessionShard) applyTouched(e *pb.SessionsTouched) {
	for _, id := range e.GetSessionIds() {
		if o := s.sessions[id]; o != nil {
			touched := proto.Clone(o).(*pb.SessionOpened)
			touched.LastUsed = e.GetAt()
			s.put(touched)
		}
	}
}

func (s *sessionShard) snapshot() *pb.SessionsSnapshot {
	out := &pb.SessionsSnapshot{Sessions: make([]*pb.SessionOpened, 0, len(s.sessions))}
	for _, o := range s.sessions {
		out.Sessions = append(out.Sessions, o)
	}
	sort.Slice(out.Sessions, func(i, j int) bool {
		return out.Sessions[i].GetSessionId() < out.Sessions[j].GetSessionId()
	})
	return out
}

// sessionView publishes the open sessions of every shard for reading
// without a request to the shard. Each shard is the only writer of its
// sessions and updates the view before it replies, so a logout or expiry
// is seen by every later lookup. Values are immutable *pb.SessionOpened.
type sessionView struct {
	m sync.Map
}

func (v *sessionView) store(o *pb.SessionOpened) { v.m.Store(o.GetSessionId(), o) }

func (v *sessionView) remove(id string) { v.m.Delete(id) }

// lookup returns the openid of a session that needs no work from its
// shard: used within touchEvery, so neither its use needs persisting nor
// can it have expired. Any other session goes to the shard.
func (v *sessionView) lookup(id string, now int64, ttl time.Duration) (string, bool) {
	val, ok := v.m.Load(id)
	if !ok {
		return "", false
	}
	o := val.(*pb.SessionOpened)
	idle := now - max(o.GetLastUsed(), o.GetAt())
	if idle >= int64(min(touchEvery, ttl)/time.Second) {
		return "", false
	}
	return o.GetOpenid(), true
}
