package actors

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"time"
	_ "time/tzdata" // daily numbering needs Asia/Shanghai on any host

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/persistence"
	"google.golang.org/protobuf/proto"

	"callme/actors/pb"
	"callme/baidu"
	"callme/metrics"
	"callme/wechat"
)

// Options configures an Engine. Provider, Login and Pay are required.
type Options struct {
	// Provider stores the events and snapshots of the persistent actors.
	Provider persistence.Provider
	// Login turns a wx.login code into an openid.
	Login *wechat.LoginClient
	// Pay creates prepay orders and verifies payment notices.
	Pay *wechat.PayClient
	// TTS builds Baidu text-to-speech URLs for AudioURL and CallAudioURL,
	// which fail with 503 when it is nil.
	TTS *baidu.TTSClient
	// Admins lists the openids allowed to approve sellers.
	Admins []string
	// Heartbeat is how long a socket may stay silent; DefaultHeartbeat if 0.
	Heartbeat time.Duration
	// RequestTimeout bounds each request to an actor; 5 s if 0.
	RequestTimeout time.Duration
	// OrderIdle is how long an order actor stays in memory unused; 2 min if 0.
	OrderIdle time.Duration
	// UnpaidTTL closes orders left unpaid this long; 15 min if 0.
	UnpaidTTL time.Duration
	// SessionTTL ends sessions unused this long; 30 days if 0.
	SessionTTL time.Duration
	// Now returns the current time; time.Now if nil. Tests move the clock.
	Now    func() time.Time
	Logger *slog.Logger
	// Metrics receives the actor, mailbox, order, persist and push metrics;
	// none are recorded if nil.
	Metrics *metrics.Metrics
}

// sessionShards is the number of session directory actors. Logins and
// lookups spread over them by a hash of the session id.
const sessionShards = 16

// Engine owns the actor system. The edge calls its methods from any
// goroutine; each call becomes one or more actor messages and waits for the
// reply up to Options.RequestTimeout.
type Engine struct {
	opts     Options
	system   *actor.ActorSystem
	root     *actor.RootContext
	log      *slog.Logger
	admins   map[string]bool
	shanghai *time.Location

	// sessions is the shards' published view of open sessions; see
	// sessionView.
	sessions sessionView

	sellers *actor.PID
	catalog *actor.PID
	hub     *actor.PID
	shards  [sessionShards]*actor.PID
}

// Start creates the actor system and recovers the singleton actors. Shops
// are woken by the seller registry once it has replayed.
func Start(opts Options) (*Engine, error) {
	if opts.Provider == nil || opts.Login == nil || opts.Pay == nil {
		return nil, errors.New("actors: Options.Provider, Login and Pay are required")
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = DefaultHeartbeat
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 5 * time.Second
	}
	if opts.OrderIdle <= 0 {
		opts.OrderIdle = 2 * time.Minute
	}
	if opts.UnpaidTTL <= 0 {
		opts.UnpaidTTL = 15 * time.Minute
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 30 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.Provider = timeProvider(opts.Provider, opts.Metrics)
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return nil, fmt.Errorf("load Asia/Shanghai time zone: %w", err)
	}

	e := &Engine{
		opts:     opts,
		log:      opts.Logger,
		admins:   make(map[string]bool),
		shanghai: shanghai,
	}
	for _, id := range opts.Admins {
		e.admins[id] = true
	}
	e.system = actor.NewActorSystem(actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger {
		return opts.Logger.With("lib", "protoactor")
	}))
	e.root = e.system.Root

	e.hub = e.spawn("hub", actor.PropsFromProducer(func() actor.Actor { return newHub() }))
	e.catalog = e.spawn("catalog", actor.PropsFromProducer(func() actor.Actor {
		return newCatalog(opts.Metrics)
	}))
	for i := range e.shards {
		e.shards[i] = e.spawn(fmt.Sprintf("sessions-%02d", i), e.persistent(func() actor.Actor {
			return newSessionShard(e)
		}))
	}
	e.sellers = e.spawn("sellers", e.persistent(func() actor.Actor { return newSellers(e) }))

	if err := e.recoverShops(); err != nil {
		e.system.Shutdown()
		return nil, err
	}
	return e, nil
}

// recoverShops waits until every approved shop has replayed and published
// itself to the catalog, so the first shop list after a restart is whole.
func (e *Engine) recoverShops() error {
	res, err := e.request(e.sellers, &pb.ListShops{})
	if err != nil {
		return fmt.Errorf("recover seller registry: %w", err)
	}
	ids := res.(*pb.ShopIDs).GetShopIds()
	futures := make([]*actor.Future, 0, len(ids))
	for _, id := range ids {
		futures = append(futures, e.root.RequestFuture(e.shopPID(id), &pb.Wake{},
			e.opts.RequestTimeout))
	}
	for i, f := range futures {
		if _, err := f.Result(); err != nil {
			return fmt.Errorf("recover shop %d: %w", ids[i], err)
		}
	}
	e.log.Info("shops recovered", "shops", len(ids))
	return nil
}

// Shutdown stops every actor and returns once each has stopped, so the
// caller may close the store: no actor reads or writes it after. Sockets
// must be closed by the edge first.
func (e *Engine) Shutdown() {
	var stops []*actor.Future
	for _, bucket := range e.system.ProcessRegistry.LocalPIDs.LocalPIDs {
		for id, process := range bucket.Items() {
			// Futures and the system's own processes are not actors.
			if _, ok := process.(*actor.ActorProcess); ok {
				stops = append(stops, e.root.StopFuture(e.system.NewLocalPID(id)))
			}
		}
	}
	for _, f := range stops {
		if err := f.Wait(); err != nil {
			e.log.Warn("actor did not stop in time", "err", err)
		}
	}
	e.system.Shutdown()
}

func (e *Engine) persistent(producer actor.Producer) *actor.Props {
	return actor.PropsFromProducer(producer,
		actor.WithReceiverMiddleware(persistence.Using(e.opts.Provider)))
}

// spawn returns the PID of the named actor, starting it if it is not running.
func (e *Engine) spawn(name string, props *actor.Props) *actor.PID {
	if _, ok := e.system.ProcessRegistry.GetLocal(name); ok {
		return e.system.NewLocalPID(name)
	}
	pid, err := e.root.SpawnNamed(e.instrument(kindOf(name), props), name)
	if err != nil && !errors.Is(err, actor.ErrNameExists) {
		e.log.Error("spawn actor failed", "actor", name, "err", err)
	}
	return pid
}

func (e *Engine) shopPID(shopID int64) *actor.PID {
	return e.spawn(fmt.Sprintf("shop-%d", shopID), e.persistent(func() actor.Actor {
		return newShop(e)
	}))
}

func (e *Engine) orderPID(orderID string) *actor.PID {
	return e.spawn("order-"+orderID, e.persistent(func() actor.Actor {
		return newOrder(e)
	}))
}

func (e *Engine) userPID(openid string) *actor.PID {
	return e.spawn("user-"+openid, e.persistent(func() actor.Actor {
		return newUser(e)
	}))
}

func (e *Engine) shardFor(sessionID string) *actor.PID {
	h := fnv.New32a()
	h.Write([]byte(sessionID))
	return e.shards[h.Sum32()%sessionShards]
}

func (e *Engine) unix() int64 { return e.opts.Now().Unix() }

// today returns the Asia/Shanghai calendar day of t as YYYY-MM-DD.
func (e *Engine) today(t time.Time) string {
	return t.In(e.shanghai).Format("2006-01-02")
}

// request sends msg to pid and waits for the reply. A *pb.Failure reply
// becomes an *Error; a timeout becomes ErrTimeout.
func (e *Engine) request(pid *actor.PID, msg proto.Message) (proto.Message, error) {
	res, err := e.root.RequestFuture(pid, msg, e.opts.RequestTimeout).Result()
	if err != nil {
		e.log.Warn("actor request failed", "actor", pid.GetId(), "msg", fmt.Sprintf("%T", msg),
			"err", err)
		return nil, ErrTimeout
	}
	return replyOf(res)
}

func replyOf(res any) (proto.Message, error) {
	if f, ok := res.(*pb.Failure); ok {
		return nil, &Error{Code: int(f.GetCode()), Msg: f.GetMsg()}
	}
	m, ok := res.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("actors: unexpected reply %T", res)
	}
	return m, nil
}

// newSessionID returns 32 characters of URL-safe base64 from 24 random bytes.
func newSessionID() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("read random session id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// ShortID returns a prefix of a session id that is safe to log.
func ShortID(sessionID string) string {
	if len(sessionID) > 6 {
		return sessionID[:6] + "…"
	}
	return sessionID
}

// Login exchanges a wx.login code for a new session.
func (e *Engine) Login(code string) (LoginResult, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return LoginResult{}, badRequest("missing field code")
	}
	ctx, cancel := context.WithTimeout(context.Background(), e.opts.RequestTimeout)
	defer cancel()
	sess, err := e.opts.Login.Code2Session(ctx, code)
	if errors.Is(err, wechat.ErrInvalidCode) {
		return LoginResult{}, badRequest("invalid code: WeChat rejected it, call wx.login again")
	}
	if err != nil {
		e.log.Warn("wechat login failed", "err", err)
		return LoginResult{}, &Error{Code: 502, Msg: "WeChat login is unavailable, try again"}
	}

	id, err := newSessionID()
	if err != nil {
		return LoginResult{}, err
	}
	open := &pb.OpenSession{Openid: sess.OpenID, SessionId: id}
	if _, err := e.request(e.shardFor(id), open); err != nil {
		return LoginResult{}, err
	}
	ref, err := e.shopOf(sess.OpenID)
	if err != nil {
		return LoginResult{}, err
	}
	e.log.Info("login", "session", ShortID(id), "seller", ref.GetShopId() != 0)
	return LoginResult{
		SessionID: id,
		IsSeller:  ref.GetShopId() != 0,
		IsAdmin:   e.admins[sess.OpenID],
	}, nil
}

// openid resolves a session id to its user.
func (e *Engine) openid(sessionID string) (string, error) {
	if sessionID == "" {
		return "", badRequest("missing field session_id")
	}
	if len(sessionID) > 128 {
		return "", ErrInvalidSession
	}
	if openid, ok := e.sessions.lookup(sessionID, e.unix(), e.opts.SessionTTL); ok {
		return openid, nil
	}
	res, err := e.request(e.shardFor(sessionID), &pb.ResolveSession{SessionId: sessionID})
	if err != nil {
		return "", err
	}
	return res.(*pb.SessionInfo).GetOpenid(), nil
}

func (e *Engine) admin(sessionID string) error {
	id, err := e.openid(sessionID)
	if err != nil {
		return err
	}
	if !e.admins[id] {
		return ErrNotAdmin
	}
	return nil
}

func (e *Engine) shopOf(openid string) (*pb.ShopRef, error) {
	res, err := e.request(e.sellers, &pb.ShopOf{Openid: openid})
	if err != nil {
		return nil, err
	}
	return res.(*pb.ShopRef), nil
}

// seller resolves a session to its openid and shop, or ErrNotSeller.
func (e *Engine) seller(sessionID string) (string, *actor.PID, error) {
	id, err := e.openid(sessionID)
	if err != nil {
		return "", nil, err
	}
	ref, err := e.shopOf(id)
	if err != nil {
		return "", nil, err
	}
	if ref.GetShopId() == 0 {
		return "", nil, ErrNotSeller
	}
	return id, e.shopPID(ref.GetShopId()), nil
}
