using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Gate;

/// <summary>A complete, valid, fresh evidence set in a temp folder (the shipped examples with times relative to a pinned clock).</summary>
public sealed class EvidenceSet : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public EvidenceSet()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("cavra-evidence-").FullName;
        PackageDir = Path.Combine(Directory, "package");
        System.IO.Directory.CreateDirectory(PackageDir);
        foreach (var file in System.IO.Directory.GetFiles(Path.Combine(RepoRoot, "examples", "evidence"), "*.json"))
        {
            var name = Path.GetFileName(file);
            bool deployment = name is "cavra-runtime.endpoint-deployment.json" or "cavra-runtime.ci-runner-bundles.json"
                or "cavra-runtime.channels.json" or "cavra-runtime.updater-policy.json";
            File.Copy(file, Path.Combine(deployment ? PackageDir : Directory, name));
        }
        RuntimePath = Path.Combine(Directory, "cavra-runtime");
        File.WriteAllText(RuntimePath, "#!/bin/sh\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(RuntimePath, (UnixFileMode)0b111_101_101); // a runtime must be executable
        PolicyPath = Path.Combine(Directory, "compiled-policy.json");
        File.WriteAllText(PolicyPath, "{}");
        Rewrite("cavra-runtime.go-backend-rollback-drills.json",
            "2026-11-25T12:00:00.123456+00:00", IsoTimestamp.Format(Now.AddDays(-1)));
        Rewrite("cavra-runtime.go-backend-rollback-drill-schedule.json",
            "2026-12-25T12:00:00+00:00", IsoTimestamp.Format(Now.AddDays(30)));
    }

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Cavra.PowerShell.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (Cavra.PowerShell.sln) above " + AppContext.BaseDirectory);
        }
    }

    public string Directory { get; }
    public string PackageDir { get; }
    public string RuntimePath { get; }
    public string PolicyPath { get; }
    public string PromotionEvidencePath => Path.Combine(Directory, "cavra-runtime.go-backend-promotion-evidence.json");
    public string RollbackPlanPath => Path.Combine(Directory, "cavra-runtime.go-backend-rollback-plan.json");
    public string RollbackRehearsalPath => Path.Combine(Directory, "cavra-runtime.go-backend-rollback-rehearsal.json");
    public string RollbackDrillHistoryPath => Path.Combine(Directory, "cavra-runtime.go-backend-rollback-drills.json");
    public string RollbackDrillSchedulePath => Path.Combine(Directory, "cavra-runtime.go-backend-rollback-drill-schedule.json");

    public GateParameters Parameters(BackendMode mode = BackendMode.Promoted, bool withSchedule = true) => new()
    {
        Mode = mode,
        RuntimePath = RuntimePath,
        PolicyPath = PolicyPath,
        PackageDir = PackageDir,
        PromotionEvidencePath = PromotionEvidencePath,
        RollbackPlanPath = RollbackPlanPath,
        RollbackRehearsalPath = RollbackRehearsalPath,
        RollbackDrillHistoryPath = RollbackDrillHistoryPath,
        RollbackDrillSchedulePath = withSchedule ? RollbackDrillSchedulePath : null,
    };

    public GateContext Context(GateParameters? parameters = null, TimeProvider? clock = null) =>
        new(GateConfig.Resolve(parameters ?? Parameters(), _ => null), new InputFiles(Directory), clock ?? new FakeTimeProvider(Now));

    public void Rewrite(string name, string oldText, string newText)
    {
        var path = Path.Combine(Directory, name);
        var text = File.ReadAllText(path);
        if (!text.Contains(oldText)) throw new InvalidOperationException($"'{oldText}' not in {name}");
        File.WriteAllText(path, text.Replace(oldText, newText));
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, true);
}
