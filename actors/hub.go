package actors

import (
	"github.com/asynkron/protoactor-go/actor"

	"callme/actors/pb"
)

// hub routes pushes to the sockets of a user. A user may hold several
// sockets; each gets every push.
type hub struct {
	conns map[string]map[string]hubConn
}

// hubConn is one registered socket and the session it logged in with.
type hubConn struct {
	pid       *actor.PID
	sessionID string
}

func newHub() *hub {
	return &hub{conns: make(map[string]map[string]hubConn)}
}

func (h *hub) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *pb.Register:
		set := h.conns[m.GetOpenid()]
		if set == nil {
			set = make(map[string]hubConn)
			h.conns[m.GetOpenid()] = set
		}
		set[m.GetConn().GetId()] = hubConn{pid: pidOf(m.GetConn()), sessionID: m.GetSessionId()}
	case *pb.Unregister:
		set := h.conns[m.GetOpenid()]
		delete(set, m.GetConn().GetId())
		if len(set) == 0 {
			delete(h.conns, m.GetOpenid())
		}
	case *pb.PushToUser:
		push := &pb.Push{Data: m.GetData(), CreatedUnixNano: m.GetCreatedUnixNano()}
		for _, c := range h.conns[m.GetOpenid()] {
			ctx.Send(c.pid, push)
		}
	case *pb.CloseSessionSockets:
		for _, c := range h.conns[m.GetOpenid()] {
			if c.sessionID == m.GetSessionId() {
				ctx.Send(c.pid, &pb.CloseSocket{Code: CloseInvalidSession, Reason: "logged out"})
			}
		}
	}
}

func pidOf(r *pb.PIDRef) *actor.PID {
	return actor.NewPID(r.GetAddress(), r.GetId())
}

func refOf(pid *actor.PID) *pb.PIDRef {
	return &pb.PIDRef{Address: pid.GetAddress(), Id: pid.GetId()}
}
