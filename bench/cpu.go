package bench

import "time"

// CPUUse is the CPU time the load generator and the spawned server used
// during the load, in seconds, and the same as cores busy on average. A
// figure is 0 when it could not be measured, as for a server that the
// benchmark did not spawn.
type CPUUse struct {
	Wall           float64 `json:"wall_s"`
	Generator      float64 `json:"generator_cpu_s"`
	Server         float64 `json:"server_cpu_s"`
	GeneratorCores float64 `json:"generator_cores"`
	ServerCores    float64 `json:"server_cores"`
}

// cpuMeter measures CPUUse from its start.
type cpuMeter struct {
	pid    int
	start  time.Time
	self   time.Duration
	server time.Duration
}

// startCPU starts measuring this process and, when pid is positive, the
// process pid.
func startCPU(pid int) cpuMeter {
	m := cpuMeter{pid: pid, start: time.Now(), self: selfCPU()}
	if pid > 0 {
		m.server = processCPU(pid)
	}
	return m
}

// stop returns the use since startCPU.
func (m cpuMeter) stop() *CPUUse {
	wall := time.Since(m.start).Seconds()
	u := &CPUUse{Wall: wall, Generator: (selfCPU() - m.self).Seconds()}
	if m.pid > 0 {
		u.Server = (processCPU(m.pid) - m.server).Seconds()
	}
	if wall > 0 {
		u.GeneratorCores, u.ServerCores = u.Generator/wall, u.Server/wall
	}
	return u
}
