package actors

import (
	"sort"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/persistence"

	"callme/actors/pb"
)

// sessionShard is one of the session directory actors. It maps the session
// ids hashed to it onto openids and persists each new session.
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
	case *pb.OpenSession:
		sender := ctx.Sender()
		ev := &pb.SessionOpened{SessionId: m.GetSessionId(), Openid: m.GetOpenid(), At: s.engine.unix()}
		s.PersistReceive(ev)
		s.sessions[ev.GetSessionId()] = ev
		ctx.Send(sender, &pb.Ok{})
	case *pb.ResolveSession:
		o, ok := s.sessions[m.GetSessionId()]
		if !ok {
			ctx.Respond(&pb.Failure{Code: 401, Msg: ErrInvalidSession.Msg})
			return
		}
		ctx.Respond(&pb.SessionInfo{Openid: o.GetOpenid()})
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
