using System;
using System.Diagnostics;
using System.IO;
using BenchmarkDotNet.Attributes;
using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Benchmarks
{
    /// <summary>The whole promoted-mode gate over the shipped example evidence (nine files read and validated per run).</summary>
    [MemoryDiagnoser]
    public class GateBenchmarks
    {
        private GateContext _context = null!;

        [GlobalSetup]
        public void Setup() => _context = GateScenario.Context();

        [Benchmark]
        public GateVerdict FullGateVerdict() => GateVerdict.Evaluate(_context);
    }

    public static class GateScenario
    {
        public static GateContext Context()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Cavra.PowerShell.sln"))) dir = dir.Parent;
            if (dir == null) throw new InvalidOperationException("Cavra.PowerShell.sln not found above " + AppContext.BaseDirectory);
            string evidence = Path.Combine(dir.FullName, "examples", "evidence");
            string policy = Path.Combine(dir.FullName, "examples", "policy", "compiled_policy.json");
            var config = GateConfig.Resolve(new GateParameters
            {
                Mode = BackendMode.Promoted,
                // Runtime readiness needs a regular executable file; no process is started here, so the host will do.
                RuntimePath = Environment.ProcessPath ?? "/bin/sh",
                PolicyPath = policy,
                PackageDir = evidence,
                PromotionEvidencePath = Path.Combine(evidence, "cavra-runtime.go-backend-promotion-evidence.json"),
                RollbackPlanPath = Path.Combine(evidence, "cavra-runtime.go-backend-rollback-plan.json"),
                RollbackRehearsalPath = Path.Combine(evidence, "cavra-runtime.go-backend-rollback-rehearsal.json"),
                RollbackDrillHistoryPath = Path.Combine(evidence, "cavra-runtime.go-backend-rollback-drills.json"),
                RollbackDrillSchedulePath = Path.Combine(evidence, "cavra-runtime.go-backend-rollback-drill-schedule.json"),
            }, _ => null);
            // Pinned to the day after the sample drill so the set is valid and fresh, whatever today's date is.
            return new GateContext(config, new InputFiles(evidence), new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero)));
        }

        /// <summary>Prints the median and p99 of single gate evaluations after warm-up.</summary>
        public static void Quick(int iterations = 2000)
        {
            var context = Context();
            var verdict = GateVerdict.Evaluate(context);
            if (!verdict.GatePassed) Console.WriteLine("  warning: the sample evidence did not pass the gate: " + verdict.FallbackReason);
            for (int i = 0; i < 200; i++) GateVerdict.Evaluate(context);
            var samples = new double[iterations];
            for (int i = 0; i < iterations; i++)
            {
                var sw = Stopwatch.StartNew();
                GateVerdict.Evaluate(context);
                samples[i] = sw.Elapsed.TotalMilliseconds;
            }
            Array.Sort(samples);
            Console.WriteLine($"Promotion gate, full evidence set (9 files), {iterations} evaluations (target: median under 1 ms)");
            Console.WriteLine($"  median {samples[iterations / 2]:N3} ms, p99 {samples[(int)(iterations * 0.99)]:N3} ms, min {samples[0]:N3} ms");
            AsJson(verdict);
        }

        /// <summary>-AsJson throughput: the verdict written as canonical JSON. Ten windows of ~0.5 s; the figure is the
        /// best window by process CPU time, which other load on a shared machine disturbs far less than wall-clock.</summary>
        private static void AsJson(GateVerdict verdict)
        {
            int length = CanonicalJsonWriter.Serialize(verdict).Length;
            for (int i = 0; i < 500; i++) CanonicalJsonWriter.Serialize(verdict);
            double bestWall = 0, bestCpu = 0;
            var process = Process.GetCurrentProcess();
            for (int w = 0; w < 10; w++)
            {
                int n = 0;
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                while (sw.Elapsed.TotalSeconds < 0.5) { CanonicalJsonWriter.Serialize(verdict); n++; }
                double wall = sw.Elapsed.TotalSeconds;
                process.Refresh();
                double cpuSeconds = (process.TotalProcessorTime - cpu).TotalSeconds;
                bestWall = Math.Max(bestWall, n / wall);
                if (cpuSeconds > 0) bestCpu = Math.Max(bestCpu, n / cpuSeconds);
            }
            Console.WriteLine($"-AsJson, the verdict as canonical JSON ({length:N0} chars): {bestWall:N0} verdicts/s wall-clock, {bestCpu:N0} verdicts per CPU-second (best of 10 windows)");
        }
    }
}
