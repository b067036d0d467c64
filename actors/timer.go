package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"callme/actors/pb"
)

// An actor that unloads itself sends itself a PoisonPill rather than
// stopping at once: a stop is a system message and would drop the requests
// already queued behind the Tick, while the pill queues after them.

// idleTimer sends its actor a Tick once the actor may have been idle for
// the set duration. It replaces protoactor's SetReceiveTimeout, whose timer
// goroutine writes actor state without a lock (a data race the race
// detector reports at protoactor-go v0.0.0-20240822202345).
//
// All methods run on the actor's goroutine. Only one timer is pending at a
// time: touch just records the time, and a Tick that comes early schedules
// the rest of the wait.
type idleTimer struct {
	after time.Duration
	last  time.Time
	timer *time.Timer
}

func (t *idleTimer) start(ctx actor.Context, after time.Duration) {
	t.after = after
	t.last = time.Now()
	t.schedule(ctx, after)
}

// touch marks the actor busy now.
func (t *idleTimer) touch() { t.last = time.Now() }

// expired handles a Tick: it reports whether the actor has been idle for
// the whole duration, and otherwise schedules the next Tick.
func (t *idleTimer) expired(ctx actor.Context) bool {
	idle := time.Since(t.last)
	if idle >= t.after {
		return true
	}
	t.schedule(ctx, t.after-idle)
	return false
}

func (t *idleTimer) schedule(ctx actor.Context, after time.Duration) {
	root, self := ctx.ActorSystem().Root, ctx.Self()
	t.timer = time.AfterFunc(after, func() { root.Send(self, &pb.Tick{}) })
}

func (t *idleTimer) stop() {
	if t.timer != nil {
		t.timer.Stop()
	}
}

// ticker sends its actor a Tick every period until stopped. Like idleTimer
// it runs on the actor's goroutine; the actor calls again after each Tick.
type ticker struct {
	period time.Duration
	timer  *time.Timer
}

func (t *ticker) start(ctx actor.Context, period time.Duration) {
	t.period = period
	t.again(ctx)
}

func (t *ticker) again(ctx actor.Context) {
	root, self := ctx.ActorSystem().Root, ctx.Self()
	t.timer = time.AfterFunc(t.period, func() { root.Send(self, &pb.Tick{}) })
}

func (t *ticker) stop() {
	if t.timer != nil {
		t.timer.Stop()
	}
}
