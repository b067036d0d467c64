package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"callme/client"
)

// heartbeat is the --heartbeat of TestSocketContract: short, so that the
// timeout test is quick, but long enough that the other subtests, which are
// silent for a few milliseconds at most, never reach it.
const heartbeat = 2 * time.Second

func TestSocketContract(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 30*time.Second)
	srv := startServer(t, t.TempDir(), "--heartbeat", heartbeat.String())
	c := srv.Client()
	customer := login(ctx, t, c, "c1")

	t.Run("invalid session", func(t *testing.T) {
		t.Parallel()
		sock, err := c.Dial(ctx, "no-such-session")
		if err != nil {
			t.Fatalf("open a socket: %v", err)
		}
		t.Cleanup(sock.Close)
		p, err := sock.Next(ctx)
		if err != nil {
			t.Fatalf("first push: %v", err)
		}
		if p.Kind != "error" || p.Msg != "invalid session" {
			t.Errorf("first push = %s, want an error push with msg \"invalid session\"", p.Raw)
		}
		wantClose(ctx, t, sock, 4401)
	})
	t.Run("first frame not JSON", func(t *testing.T) {
		t.Parallel()
		sock, err := c.Connect(ctx)
		if err != nil {
			t.Fatalf("open a socket: %v", err)
		}
		t.Cleanup(sock.Close)
		if err := sock.SendText("hello"); err != nil {
			t.Fatal(err)
		}
		if _, err := sock.WaitFor(ctx, "error"); err != nil {
			t.Fatal(err)
		}
		wantClose(ctx, t, sock, 4401)
	})
	t.Run("silence", func(t *testing.T) {
		t.Parallel()
		sock := dial(ctx, t, c, customer.ID, "customer")
		start := time.Now()
		wantClose(ctx, t, sock, 4408)
		if elapsed := time.Since(start); elapsed < heartbeat*3/4 {
			t.Errorf("closed %v after hi, want about the heartbeat %v", elapsed, heartbeat)
		}
	})
	t.Run("pings keep the socket open", func(t *testing.T) {
		t.Parallel()
		sock := dial(ctx, t, c, customer.ID, "customer")
		// Three pings half a heartbeat apart span one and a half heartbeats.
		for i := range 3 {
			wait := time.NewTimer(heartbeat / 2)
			select {
			case <-wait.C:
			case <-ctx.Done():
				t.Fatalf("ping %d: %v", i+1, ctx.Err())
			}
			if err := sock.Send(map[string]string{"query": "ping"}); err != nil {
				t.Fatalf("ping %d: %v", i+1, err)
			}
			if _, err := sock.WaitFor(ctx, "pong"); err != nil {
				t.Fatalf("ping %d: %v", i+1, err)
			}
		}
	})
	t.Run("frame over 4 KiB", func(t *testing.T) {
		t.Parallel()
		sock := dial(ctx, t, c, customer.ID, "customer")
		big := `{"query":"` + strings.Repeat("x", 4096) + `"}`
		if err := sock.SendText(big); err != nil {
			t.Fatal(err)
		}
		wantClose(ctx, t, sock, 1009)
	})
	t.Run("invalid UTF-8", func(t *testing.T) {
		t.Parallel()
		sock := dial(ctx, t, c, customer.ID, "customer")
		if err := sock.SendText("{\"query\":\"\xff\"}"); err != nil {
			t.Fatal(err)
		}
		wantClose(ctx, t, sock, 1007)
	})
	t.Run("malformed JSON", func(t *testing.T) {
		t.Parallel()
		sock := dial(ctx, t, c, customer.ID, "customer")
		if err := sock.SendText(`{"query": "ping"`); err != nil {
			t.Fatal(err)
		}
		wantErrorPush(ctx, t, sock, "wrong format")
		wantPong(ctx, t, sock)
	})
	t.Run("unknown query", func(t *testing.T) {
		t.Parallel()
		sock := dial(ctx, t, c, customer.ID, "customer")
		if err := sock.Send(map[string]string{"query": "dance"}); err != nil {
			t.Fatal(err)
		}
		wantErrorPush(ctx, t, sock, "wrong query")
		wantPong(ctx, t, sock)
	})
}

func TestSocketFanOut(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 30*time.Second)
	srv := startServer(t, t.TempDir())
	c := srv.Client()
	sh := openShop(ctx, t, c, "s1")
	customer := login(ctx, t, c, "c1")
	// A second login of the same user, as from a second phone.
	again := login(ctx, t, c, "c1")
	sockets := []*client.Socket{
		dial(ctx, t, c, customer.ID, "customer"),
		dial(ctx, t, c, customer.ID, "customer"),
		dial(ctx, t, c, again.ID, "customer"),
	}

	orderID, totalFee := sh.order(ctx, t, c, customer)
	pay(ctx, t, c, orderID, "dev-c1", totalFee)
	if err := c.CallOrder(ctx, sh.seller.ID, orderID); err != nil {
		t.Fatalf("call order %s: %v", orderID, err)
	}
	for i, sock := range sockets {
		call, err := sock.WaitFor(ctx, "call")
		if err != nil {
			t.Fatalf("socket %d: %v", i+1, err)
		}
		if call.OrderID != orderID || call.Number != 1 {
			t.Errorf("socket %d: call push = %s, want order %s number 1",
				i+1, call.Raw, orderID)
		}
	}
}

// wantClose waits until the server closes sock and checks the close code.
func wantClose(ctx context.Context, t *testing.T, sock *client.Socket, code uint16) {
	t.Helper()
	closed, err := sock.WaitClose(ctx)
	if err != nil {
		t.Fatalf("wait for close code %d: %v", code, err)
	}
	if closed.Code != code {
		t.Errorf("close code = %d (reason %q), want %d", closed.Code, closed.Reason, code)
	}
}

// wantErrorPush takes the next pushes until an error push and checks its msg.
func wantErrorPush(ctx context.Context, t *testing.T, sock *client.Socket, msg string) {
	t.Helper()
	p, err := sock.WaitFor(ctx, "error")
	if err != nil {
		t.Fatal(err)
	}
	if p.Msg != msg {
		t.Errorf("error push = %s, want msg %q", p.Raw, msg)
	}
}

// wantPong sends a ping query and waits for the pong, which proves that the
// socket is still open.
func wantPong(ctx context.Context, t *testing.T, sock *client.Socket) {
	t.Helper()
	if err := sock.Send(map[string]string{"query": "ping"}); err != nil {
		t.Fatalf("send ping: %v", err)
	}
	_, err := sock.WaitFor(ctx, "pong")
	var closed *client.CloseError
	if errors.As(err, &closed) {
		t.Fatalf("socket closed with %d %q, want it to stay open", closed.Code, closed.Reason)
	}
	if err != nil {
		t.Fatal(err)
	}
}
