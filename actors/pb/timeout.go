package pb

// Server pushes and internal replies must not count as the client's
// heartbeat, so they opt out of protoactor's receive-timeout reset.

func (*Push) NotInfluenceReceiveTimeout()        {}
func (*CloseSocket) NotInfluenceReceiveTimeout() {}

func (*Tick) NotInfluenceReceiveTimeout() {}
