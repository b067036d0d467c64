package actors

import (
	"sort"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/persistence"

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
			s.sessions[o.GetSessionId()] = o
		}
	case *pb.SessionOpened:
		s.sessions[m.GetSessionId()] = m
	case *pb.SessionsTouched:
		s.applyTouched(m)
	case *pb.SessionClosed:
		delete(s.sessions, m.GetSessionId())
	case *pb.OpenSession:
		sender := ctx.Sender()
		now := s.engine.unix()
		ev := &pb.SessionOpened{SessionId: m.GetSessionId(), Openid: m.GetOpenid(), At: now,
			LastUsed: now}
		s.PersistReceive(ev)
		s.sessions[ev.GetSessionId()] = ev
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
	delete(s.sessions, id)
}

func (s *sessionShard) applyTouched(e *pb.SessionsTouched) {
	for _, id := range e.GetSessionIds() {
		if o := s.sessions[id]; o != nil {
			o.LastUsed = e.GetAt()
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
