using System.Diagnostics;
using System.Text;
using Cavra.Gate.Authoring;
using Cavra.Gate.Evidence;
using Cavra.Gate.FileSystem;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Readiness;
using Cavra.Gate.Tests.Authoring;
using Cavra.Gate.Tests.Gate;
using Cavra.Gate.Time;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.FileSystem;

/// <summary>
/// Issue 17: what kind of file a path is, how long reading it may take and where it points. Every case that used to hang
/// runs under <see cref="Hostile.Bounded{T}"/>, so a regression fails at the deadline instead of hanging the suite.
/// Unix only where FIFOs and device nodes are concerned.
/// </summary>
[Collection(EvidenceWriterCollection.Name)]
public sealed class HostileFileSystemTests : IDisposable
{
    private readonly EvidenceSet _set = new();
    private static readonly FakeTimeProvider Clock = new(EvidenceSet.Now);

    public void Dispose() => _set.Dispose();

    private string PathOf(string name) => Path.Combine(_set.Directory, name);

    // ---- 1. a FIFO at any input path -------------------------------------------------------------------------------

    [Fact]
    public void A_fifo_in_place_of_any_input_fails_closed_without_blocking()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = Hostile.MakeFifo(PathOf("input.fifo"));
        var check = Hostile.Bounded(() => new InputFiles(_set.Directory).ReadObject(fifo));
        Assert.False(check.Valid);
        Assert.Equal("metadata file is not a regular file: FIFO", check.Message);

        foreach (var input in new[] { "promotion", "plan", "rehearsal", "drills", "schedule", "package" })
        {
            var p = _set.Parameters();
            switch (input)
            {
                case "promotion": p.PromotionEvidencePath = fifo; break;
                case "plan": p.RollbackPlanPath = fifo; break;
                case "rehearsal": p.RollbackRehearsalPath = fifo; break;
                case "drills": p.RollbackDrillHistoryPath = fifo; break;
                case "schedule": p.RollbackDrillSchedulePath = fifo; break;
                default:
                    var package = Path.Combine(_set.Directory, "fifo-package");
                    Directory.CreateDirectory(package);
                    foreach (var f in Directory.GetFiles(_set.PackageDir)) Hostile.MakeFifo(Path.Combine(package, Path.GetFileName(f)));
                    p.PackageDir = package;
                    break;
            }
            var verdict = Hostile.Bounded(() => GateVerdict.Evaluate(_set.Context(p)), what: "the gate with a FIFO as " + input);
            Assert.False(verdict.GatePassed, input);
            Assert.Contains("not a regular file: FIFO", Canonical(verdict));
        }
    }

    [Fact]
    public void Devices_and_directories_are_never_read_as_inputs()
    {
        if (OperatingSystem.IsWindows()) return;
        var files = new InputFiles(_set.Directory);
        Assert.Equal("metadata file is not a regular file: character device", Hostile.Bounded(() => files.ReadObject("/dev/zero")).Message);
        Assert.Equal("metadata file is not a regular file: character device", Hostile.Bounded(() => files.ReadObject("/dev/urandom")).Message);
        Assert.Equal(JsonFileCheck.MissingMessage, files.ReadObject(_set.PackageDir).Message); // as upstream's is_file() sees it
        var link = PathOf("plan-link.json");
        File.CreateSymbolicLink(link, _set.RollbackPlanPath);
        Assert.True(files.ReadObject(link).Valid); // an input link is followed to the regular file it names
        File.CreateSymbolicLink(PathOf("zero-link"), "/dev/zero");
        Assert.Equal("metadata file is not a regular file: character device", Hostile.Bounded(() => files.ReadObject(PathOf("zero-link"))).Message);
    }

    [Fact]
    public void A_fifo_swapped_in_after_the_type_check_still_does_not_block()
    {
        if (OperatingSystem.IsWindows()) return;
        // The open itself is non-blocking and re-checked with fstat: call it directly on a FIFO to prove it.
        var fifo = Hostile.MakeFifo(PathOf("raced.fifo"));
        var ex = Hostile.Bounded(() => Assert.ThrowsAny<IOException>(() => RegularFiles.OpenRead(fifo)));
        Assert.IsType<NotARegularFileException>(ex);
        Assert.Equal(FileKind.Fifo, ((NotARegularFileException)ex).Kind);
    }

    [Fact]
    public void The_pilot_policy_and_registry_loaders_refuse_a_fifo()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = Hostile.MakeFifo(PathOf("policy.fifo"));
        var policy = Hostile.Bounded(() => AuthoritativeEngine.Load(new InputFiles(_set.Directory), fifo, "", Clock));
        Assert.Null(policy.Engine);
        Assert.Contains("not a regular file: FIFO", policy.Problem);
        var registry = Hostile.Bounded(() => AuthoritativeEngine.Load(new InputFiles(_set.Directory), "", fifo, Clock));
        Assert.Contains("not a regular file: FIFO", registry.Problem);
    }

    [Fact]
    public void The_journal_refuses_a_fifo_instead_of_waiting_for_a_reader()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = Hostile.MakeFifo(PathOf("journal.fifo"));
        var record = new PilotEvaluator(_set.Context(), new NeverCalledRuntime())
            .Evaluate(new Cavra.Gate.Decisions.ActionRequest { ActionType = "execute_command", Target = "ls" });
        var ex = Hostile.Bounded(() => Assert.Throws<NotARegularFileException>(() => new AuditJournal(fifo).Append(record)));
        Assert.Equal(FileKind.Fifo, ex.Kind);
    }

    private sealed class NeverCalledRuntime : IGoRuntime
    {
        public GoRuntimeAnswer Evaluate(Cavra.Gate.Decisions.ActionRequest request, Cavra.Gate.Configuration.GateConfig config, CancellationToken cancellationToken) =>
            GoRuntimeAnswer.Failed("not called", TimeSpan.Zero);
    }

    // ---- 2. hashing endless files -----------------------------------------------------------------------------------

    [Fact]
    public void Hashing_refuses_endless_and_special_files()
    {
        if (OperatingSystem.IsWindows()) return;
        var files = new InputFiles(_set.Directory);
        Assert.Null(Hostile.Bounded(() => files.Sha256("/dev/zero"), what: "hashing /dev/zero"));
        Assert.Null(Hostile.Bounded(() => files.Sha256("/dev/urandom"), what: "hashing /dev/urandom"));
        Assert.Null(Hostile.Bounded(() => files.Sha256(Hostile.MakeFifo(PathOf("runtime.fifo"))), what: "hashing a FIFO"));
        Assert.Null(files.Sha256(_set.PackageDir));
        Assert.NotNull(files.Sha256(_set.RuntimePath));

        // Evidence bound to a runtime hash, with the runtime configured as /dev/zero: a problem, in bounded time.
        _set.Rewrite("cavra-runtime.go-backend-promotion-evidence.json", "\"schema_version\"",
            "\"runtime_sha256\": \"" + new string('a', 64) + "\", \"schema_version\"");
        var p = _set.Parameters();
        p.RuntimePath = "/dev/zero";
        var evidence = Hostile.Bounded(() => Cavra.Gate.Tests.Promotion.PromotionEvidenceTests.ReadPromotionEvidence(_set.Context(p)), what: "the gate hashing /dev/zero");
        Assert.False(evidence.Valid);
        Assert.Contains("runtime_sha256 cannot be verified", evidence.Message);
    }

    [Fact]
    public void Hashing_stops_at_the_size_cap()
    {
        var big = PathOf("big.bin");
        using (var f = new FileStream(big, FileMode.CreateNew)) f.SetLength(3 * 1024 * 1024); // sparse: cheap
        Assert.Throws<FileTooLargeException>(() => RegularFiles.Sha256(big, 2 * 1024 * 1024, TimeSpan.FromSeconds(30)));
        Assert.Equal(64, Convert.ToHexString(RegularFiles.Sha256(big, 4 * 1024 * 1024, TimeSpan.FromSeconds(30))).Length);
        Assert.True(RegularFiles.MaxHashBytes >= 256L * 1024 * 1024, "large enough for real Go runtimes");
    }

    // ---- 3. writers never replace special files ------------------------------------------------------------------

    [Fact]
    public void Writers_refuse_fifos_devices_directories_and_links_even_with_overwrite()
    {
        if (OperatingSystem.IsWindows()) return;
        var document = new EvidenceDocument().Add("schema_version", "x");
        var targets = new List<(string Path, FileKind Kind)>
        {
            (Hostile.MakeFifo(PathOf("plan.fifo")), FileKind.Fifo),
            (Directory.CreateDirectory(PathOf("plan.dir")).FullName, FileKind.Directory),
        };
        var link = PathOf("plan.link");
        File.CreateSymbolicLink(link, _set.RollbackPlanPath);
        targets.Add((link, FileKind.SymbolicLink));
        if (Hostile.TryMakeCharacterDevice(PathOf("plan.dev")) is string device) targets.Add((device, FileKind.CharacterDevice));
        string planBefore = File.ReadAllText(_set.RollbackPlanPath);

        foreach (var (path, kind) in targets)
        {
            foreach (bool overwrite in new[] { true, false })
            {
                var ex = Hostile.Bounded(() => Assert.ThrowsAny<IOException>(() => AtomicFileWriter.Write(path, document, overwrite)), what: "writing over a " + kind);
                var refused = Assert.IsType<NotARegularFileException>(ex);
                Assert.Equal(kind, refused.Kind);
                Assert.Equal(kind, FileKinds.Of(path, followLinks: false)); // left as it was
            }
        }
        Assert.Equal(planBefore, File.ReadAllText(_set.RollbackPlanPath)); // the link's target was not written either
        Assert.Empty(Directory.GetFiles(_set.Directory, ".*.tmp"));
    }

    // ---- 5. the drill history never grows past what the gate reads ----------------------------------------------

    private static JsonObject Drill(string id, int minutesAgo = 60) => new RollbackDrillDraft
    {
        DrillId = id, ExecutedAt = Clock.GetUtcNow().AddMinutes(-minutesAgo), Status = "pass", FallbackVerified = true,
        RecoveryMinutes = 5, MaxRecoveryMinutes = 15, RunbookRef = "docs/r.md", EvidenceRefs = new[] { "ref://" + id },
    }.ToJsonObject();

    /// <summary>A valid history just under 1 MiB.</summary>
    private string NearlyFullHistory(out int drills)
    {
        var path = PathOf("full-drills.json");
        var sb = new StringBuilder("{\"schema_version\": \"cavra.go-backend-rollback-drill-history.v1\", \"drills\": [");
        drills = 0;
        var at = IsoTimestamp.Format(Clock.GetUtcNow().AddDays(-2));
        while (sb.Length < InputFiles.MaxFileBytes - 600)
        {
            if (drills > 0) sb.Append(", ");
            sb.Append("{\"drill_id\": \"old-").Append(drills++).Append("\", \"executed_at\": \"").Append(at)
              .Append("\", \"target_mode\": \"disabled\", \"status\": \"pass\", \"fallback_verified\": true, \"recovery_minutes\": 5, ")
              .Append("\"max_recovery_minutes\": 15, \"runbook_ref\": \"r\", \"evidence_refs\": [\"e\"]}");
        }
        sb.Append("]}");
        File.WriteAllText(path, sb.ToString());
        Assert.True(new InputFiles().ReadObject(path).Valid);
        return path;
    }

    [Fact]
    public void An_append_past_the_size_the_gate_reads_is_refused_and_the_history_is_untouched()
    {
        var path = NearlyFullHistory(out _);
        var before = File.ReadAllBytes(path);
        var ex = Assert.Throws<EvidenceRejectedException>(() => RollbackDrillRecorder.Append(path, Drill("new"), "", 90, Clock));
        Assert.Equal(EvidenceRejection.HistoryFull, ex.Reason);
        Assert.Contains("larger than 1 MiB", ex.Message);
        Assert.Contains("-ArchivePath", ex.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void With_an_archive_folder_the_oldest_drills_move_to_a_dated_archive_and_nothing_is_lost()
    {
        var path = NearlyFullHistory(out int before);
        var archive = PathOf("archive");
        var recorded = RollbackDrillRecorder.Append(path, Drill("new"), "", 90, Clock, archiveDirectory: archive);
        Assert.True(recorded.ArchivedDrills > 0);
        Assert.Equal(Path.Combine(archive, "full-drills.20261126T120000Z.json"), recorded.ArchivePath);
        Assert.True(new FileInfo(path).Length <= InputFiles.MaxFileBytes / 2 + 1024);

        var kept = RollbackDrillHistory.Read(new InputFiles(), path, 90, Clock);
        Assert.True(kept.Valid, kept.Message);
        Assert.Equal("new", kept.LatestDrillId);
        var archived = (JsonArray)new InputFiles().ReadObject(recorded.ArchivePath).Payload.Get("drills")!;
        Assert.Equal(before + 1, kept.DrillCount + archived.Count);
        Assert.Equal("old-0", EvidenceFields.Text((JsonObject)archived.Items[0], "drill_id"));
        // A second archive in the same second gets its own name: an archive is never overwritten.
        NearlyFullHistory(out _);
        var again = RollbackDrillRecorder.Append(path, Drill("newer"), "", 90, Clock, archiveDirectory: archive);
        Assert.Equal(Path.Combine(archive, "full-drills.20261126T120000Z-2.json"), again.ArchivePath);
    }

    // ---- 11. the lock is never a link --------------------------------------------------------------------------

    [Fact]
    public void A_symlinked_lock_is_refused_and_its_target_never_created()
    {
        if (OperatingSystem.IsWindows()) return;
        var history = PathOf("drills.json");
        var target = PathOf("elsewhere-created-by-the-lock");
        File.CreateSymbolicLink(history + ".lock", target);
        var ex = Assert.Throws<NotARegularFileException>(() => RollbackDrillRecorder.Append(history, Drill("d1"), "", 90, Clock));
        Assert.Equal(FileKind.SymbolicLink, ex.Kind);
        Assert.False(File.Exists(target));
        Assert.False(File.Exists(history));

        File.Delete(history + ".lock");
        Hostile.MakeFifo(history + ".lock");
        Assert.Equal(FileKind.Fifo, Hostile.Bounded(() => Assert.Throws<NotARegularFileException>(() => EvidenceFileLock.Acquire(history, TimeSpan.FromSeconds(1)))).Kind);
    }

    [Fact]
    public void Appending_to_a_fifo_history_fails_closed_and_releases_the_lock()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = Hostile.MakeFifo(PathOf("drills.fifo"));
        var ex = Hostile.Bounded(() => Assert.Throws<EvidenceRejectedException>(() => RollbackDrillRecorder.Append(fifo, Drill("d1"), "", 90, Clock)));
        Assert.Contains("not a regular file: FIFO", ex.Message);
        using var again = EvidenceFileLock.Acquire(fifo, TimeSpan.FromSeconds(1)); // the lock was released
        Assert.Equal(FileKind.Fifo, FileKinds.Of(fifo));
    }

    private static string Canonical(GateVerdict verdict) => Cavra.Gate.Serialization.CanonicalJsonWriter.Serialize(verdict);
}
