using System.Runtime.CompilerServices;
using Cavra.Gate.Configuration;
using Cavra.Gate.Serialization;
using Cavra.Gate.Json;
using Cavra.Gate.Readiness;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests;

/// <summary>
/// The one evidence set of the xUnit tests: a temp folder with copies of every shipped example (examples/evidence, the
/// same bytes as the vendored conformance set in tests/conformance/evidence), the four deployment metadata files inside
/// <see cref="PackageDir"/>, a stand-in runtime binary and a compiled policy <c>{}</c>, with the drill times moved
/// relative to the pinned <see cref="Now"/> so the set is complete, valid and fresh. Tests edit its files by name.
/// </summary>
public sealed class EvidenceSet : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public const string Endpoint = "cavra-runtime.endpoint-deployment.json";
    public const string CiRunner = "cavra-runtime.ci-runner-bundles.json";
    public const string Channels = "cavra-runtime.channels.json";
    public const string Updater = "cavra-runtime.updater-policy.json";
    public const string Promotion = "cavra-runtime.go-backend-promotion-evidence.json";
    public const string Plan = "cavra-runtime.go-backend-rollback-plan.json";
    public const string Rehearsal = "cavra-runtime.go-backend-rollback-rehearsal.json";
    public const string Drills = "cavra-runtime.go-backend-rollback-drills.json";
    public const string Schedule = "cavra-runtime.go-backend-rollback-drill-schedule.json";

    public EvidenceSet()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("cavra-evidence-").FullName;
        PackageDir = Path.Combine(Directory, "package");
        System.IO.Directory.CreateDirectory(PackageDir);
        foreach (var file in System.IO.Directory.GetFiles(ExamplesDir, "*.json"))
            File.Copy(file, PathOf(Path.GetFileName(file)));
        RuntimePath = Path.Combine(Directory, "cavra-runtime");
        File.WriteAllText(RuntimePath, "#!/bin/sh\necho '{}'\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(RuntimePath, (UnixFileMode)0b111_101_101); // a runtime must be executable
        PolicyPath = Path.Combine(Directory, "compiled-policy.json");
        File.WriteAllText(PolicyPath, "{}");
        Rewrite("cavra-runtime.go-backend-rollback-drills.json",
            "2026-11-25T12:00:00.123456+00:00", IsoTimestamp.Format(Now.AddDays(-1)));
        Rewrite("cavra-runtime.go-backend-rollback-drill-schedule.json",
            "2026-12-25T12:00:00+00:00", IsoTimestamp.Format(Now.AddDays(30)));
    }

    /// <summary>The repository root: the folder holding Cavra.PowerShell.sln above the test binaries (or this source file).</summary>
    public static string RepoRoot
    {
        get
        {
            foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(ThisFile())! })
                for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                    if (File.Exists(Path.Combine(dir.FullName, "Cavra.PowerShell.sln"))) return dir.FullName;
            throw new InvalidOperationException("Cannot find the repository root (Cavra.PowerShell.sln) above " + AppContext.BaseDirectory);
        }
    }

    public static string ExamplesDir => Path.Combine(RepoRoot, "examples", "evidence");

    private static string ThisFile([CallerFilePath] string path = "") => path;

    /// <summary>A shipped example's text, as it is in the repository.</summary>
    public static string Example(string name) => File.ReadAllText(Path.Combine(ExamplesDir, name));

    public string Directory { get; }
    public string PackageDir { get; }
    public string RuntimePath { get; }
    public string PolicyPath { get; }
    public string PromotionEvidencePath => PathOf(Promotion);
    public string RollbackPlanPath => PathOf(Plan);
    public string RollbackRehearsalPath => PathOf(Rehearsal);
    public string RollbackDrillHistoryPath => PathOf(Drills);
    public string RollbackDrillSchedulePath => PathOf(Schedule);

    /// <summary>Where a named input lives: the deployment files in the package directory, the rest beside it.</summary>
    public string PathOf(string name) => name is Endpoint or CiRunner or Channels or Updater ? Path.Combine(PackageDir, name) : Path.Combine(Directory, name);

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

    public void Write(string name, string text) => File.WriteAllText(PathOf(name), text);
    public void WriteBytes(string name, byte[] bytes) => File.WriteAllBytes(PathOf(name), bytes);
    public string Read(string name) => File.ReadAllText(PathOf(name));

    /// <summary>Sets (raw JSON text) or removes (null) top-level members of a named input, keeping member order.</summary>
    public void Edit(string name, params (string Key, string? Raw)[] changes) => Write(name, With(Read(name), changes));

    public static string With(string json, params (string Key, string? Raw)[] changes)
    {
        var doc = (JsonObject)StrictJsonParser.Parse(json);
        var members = new List<KeyValuePair<string, JsonValue>>();
        var pending = changes.ToList();
        foreach (var m in doc.Members)
        {
            int i = pending.FindIndex(c => c.Key == m.Key);
            if (i < 0) { members.Add(m); continue; }
            if (pending[i].Raw != null) members.Add(new(m.Key, StrictJsonParser.Parse(pending[i].Raw!)));
            pending.RemoveAt(i);
        }
        foreach (var (key, raw) in pending) if (raw != null) members.Add(new(key, StrictJsonParser.Parse(raw)));
        return CanonicalJsonWriter.Serialize(new JsonObject(members));
    }

    public static JsonObject Json(string text) => (JsonObject)StrictJsonParser.Parse(text);

    /// <summary>The canonical JSON of a value, parsed back so tests can look at key order and values.</summary>
    public static JsonObject Canonical(ICanonicalJson value) => Json(CanonicalJsonWriter.Serialize(value));

    public static string[] Keys(JsonObject o) => o.Members.Select(m => m.Key).ToArray();

    /// <summary>Replaces one exact text in a named input (it must be there).</summary>
    public void Rewrite(string name, string oldText, string newText)
    {
        var path = PathOf(name);
        var text = File.ReadAllText(path);
        if (!text.Contains(oldText)) throw new InvalidOperationException($"'{oldText}' not in {name}");
        File.WriteAllText(path, text.Replace(oldText, newText));
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, true); } catch (IOException) { }
    }
}
