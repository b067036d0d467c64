package bench

import (
	"sync"
	"sync/atomic"
	"time"
)

// heartbeatEvery is how often each socket sends {"query":"ping"}: within
// the server's default heartbeat of 25 s, after which it closes a silent
// socket.
const heartbeatEvery = 20 * time.Second

// heartbeatSlots spreads the pings: each second the sockets whose index
// modulo heartbeatSlots equals the second's number send theirs.
const heartbeatSlots = int(heartbeatEvery / time.Second)

// socketSet holds the sockets of a run by index; slots stay nil until
// their socket opens. Its methods may be called from any goroutine.
type socketSet struct {
	slots []atomic.Pointer[socket]
	open  atomic.Int64
}

func newSocketSet(n int) *socketSet {
	return &socketSet{slots: make([]atomic.Pointer[socket], n)}
}

// put stores the socket opened for index i.
func (set *socketSet) put(i int, s *socket) {
	set.slots[i].Store(s)
	set.open.Add(1)
}

// get returns the socket of index i, or nil.
func (set *socketSet) get(i int) *socket { return set.slots[i].Load() }

// lost records that the server or the network closed a socket.
func (set *socketSet) lost() { set.open.Add(-1) }

// startHeartbeat pings every socket of set once per heartbeatEvery until the
// returned function is called. A failed ping counts in errs.
func (set *socketSet) startHeartbeat(errs *Errors) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ticker := time.NewTicker(time.Second)
		defer ticker.Stop()
		for tick := 0; ; tick++ {
			select {
			case <-ticker.C:
			case <-done:
				return
			}
			for i := tick % heartbeatSlots; i < len(set.slots); i += heartbeatSlots {
				if s := set.get(i); s != nil && !s.closing.Load() && !s.ended.Load() {
					if err := s.Ping(); err != nil {
						errs.Add("ping: " + errKind(err))
					}
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// closeAll closes every open socket.
func (set *socketSet) closeAll() {
	for i := range set.slots {
		if s := set.get(i); s != nil {
			s.Close()
		}
	}
}
