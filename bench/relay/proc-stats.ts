// Another process's CPU time and memory, read from /proc (Linux only).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (usually 100). */
const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** utime + stime of every thread of `pid`, in microseconds (resolution: one clock tick). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / ticksPerSecond;
}

export interface CpuTimes {
  /** Time the CPU ran anything (user, nice, system, irq, softirq), in microseconds. */
  readonly busyUs: number;
  /** Time the hypervisor gave the virtual CPU to someone else, in microseconds. */
  readonly stealUs: number;
}

/** Since-boot times of CPU number `cpu`, from /proc/stat. */
export function cpuTimesOf(cpu: number): CpuTimes {
  const line = readFileSync("/proc/stat", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`cpu${cpu} `));
  if (!line) throw new Error(`no cpu${cpu} in /proc/stat`);
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  const us = (ticks: number) => (ticks * 1e6) / ticksPerSecond;
  return { busyUs: us(user! + nice! + system! + irq! + softirq!), stealUs: us(steal!) };
}

export interface Memory {
  /** Resident set size now, in KiB. */
  readonly rssKb: number;
  /** Peak resident set size, in KiB. */
  readonly peakRssKb: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssKb: kb("VmRSS"), peakRssKb: kb("VmHWM") };
}

/** Pins every thread of this process to `cpus` (a taskset list such as "1"); false when taskset fails. */
export function pinSelf(cpus: string): boolean {
  try {
    execFileSync("taskset", ["-a", "-p", "-c", cpus, String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Busy time of all CPUs together (the "cpu" line of /proc/stat), in microseconds. */
export function machineBusyUs(): number {
  const line = readFileSync("/proc/stat", "utf8")
    .split("\n")
    .find((l) => l.startsWith("cpu "));
  if (!line) throw new Error("no cpu line in /proc/stat");
  const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  return ((user! + nice! + system! + irq! + softirq!) * 1e6) / ticksPerSecond;
}
