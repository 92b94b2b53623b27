using System.Text;
using Cavra.Gate.Authoring;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Authoring;

/// <summary>The writer's crash seam is static: every test class that writes evidence files joins this collection (run serially).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EvidenceWriterCollection { public const string Name = "evidence writer"; }

[Collection(EvidenceWriterCollection.Name)]
public sealed class EvidenceWritingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cavra-authoring-").FullName;
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        AtomicFileWriter.AfterTemporaryFileWritten = null;
        Directory.Delete(_dir, true);
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static JsonObject Drill(string id, int minutesAgo = 60, string status = "pass") => new RollbackDrillDraft
    {
        DrillId = id, ExecutedAt = Clock.GetUtcNow().AddMinutes(-minutesAgo), Status = status, FallbackVerified = true,
        RecoveryMinutes = 5, MaxRecoveryMinutes = 15, RunbookRef = "docs/r.md", EvidenceRefs = new[] { "ref://" + id },
    }.ToJsonObject();

    private static string HistoryWith(params string[] drills) =>
        "{\"schema_version\": \"cavra.go-backend-rollback-drill-history.v1\", \"drills\": [" + string.Join(", ", drills) + "]}";

    private const string GoodDrill = "{\"drill_id\": \"old\", \"executed_at\": \"2026-11-20T12:00:00+00:00\", \"target_mode\": \"disabled\", \"status\": \"pass\", " +
        "\"fallback_verified\": true, \"recovery_minutes\": 5, \"max_recovery_minutes\": 15, \"runbook_ref\": \"r\", \"evidence_refs\": [\"e\"]}";

    [Fact]
    public void Writes_utf8_without_bom_in_the_given_key_order_with_a_trailing_newline()
    {
        var path = PathOf("doc.json");
        AtomicFileWriter.Write(path, new EvidenceDocument().Add("schema_version", "x").Add("count", 7.0).Add("ratio", 2.5).Add("refs", new[] { "é" }));
        var bytes = File.ReadAllBytes(path);
        Assert.NotEqual(0xEF, bytes[0]);
        Assert.Equal("{\n  \"schema_version\": \"x\",\n  \"count\": 7,\n  \"ratio\": 2.5,\n  \"refs\": [\n    \"é\"\n  ]\n}\n", new UTF8Encoding(false, true).GetString(bytes));
        Assert.Single(Directory.GetFiles(_dir)); // no temporary file left behind
    }

    [Fact]
    public void A_writer_that_dies_after_the_temporary_file_leaves_the_old_file_intact()
    {
        var path = PathOf("plan.json");
        AtomicFileWriter.Write(path, new EvidenceDocument().Add("version", "old"));
        var before = File.ReadAllBytes(path);
        AtomicFileWriter.AfterTemporaryFileWritten = temp =>
        {
            Assert.True(File.Exists(temp));
            Assert.Equal(_dir, Path.GetDirectoryName(temp)); // same folder: the rename is atomic
            Assert.Contains("\"new\"", File.ReadAllText(temp));
            throw new IOException("simulated crash between writing and replacing");
        };
        Assert.Throws<IOException>(() => AtomicFileWriter.Write(path, new EvidenceDocument().Add("version", "new")));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));

        AtomicFileWriter.AfterTemporaryFileWritten = null;
        AtomicFileWriter.Write(path, new EvidenceDocument().Add("version", "new"));
        Assert.Contains("\"new\"", File.ReadAllText(path));
    }

    [Fact]
    public void A_writer_that_dies_before_the_first_write_leaves_no_file()
    {
        var path = PathOf("new.json");
        AtomicFileWriter.AfterTemporaryFileWritten = _ => throw new IOException("simulated crash");
        Assert.Throws<IOException>(() => AtomicFileWriter.Write(path, new EvidenceDocument().Add("version", "new"), overwrite: false));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Without_overwrite_an_existing_file_is_refused_and_untouched()
    {
        var path = PathOf("plan.json");
        AtomicFileWriter.Write(path, new EvidenceDocument().Add("version", "old"), overwrite: false);
        var ex = Assert.Throws<TargetFileExistsException>(() => AtomicFileWriter.Write(path, new EvidenceDocument().Add("version", "new"), overwrite: false));
        Assert.Equal(path, ex.Path);
        Assert.Contains("\"old\"", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Without_overwrite_a_file_created_by_another_writer_meanwhile_is_not_replaced()
    {
        var path = PathOf("plan.json");
        // Another writer creates the file after our existence check, while our temporary file is being written.
        AtomicFileWriter.AfterTemporaryFileWritten = _ => File.WriteAllText(path, "theirs");
        Assert.Throws<TargetFileExistsException>(() => AtomicFileWriter.Write(path, new EvidenceDocument().Add("version", "ours"), overwrite: false));
        Assert.Equal("theirs", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Recorder_creates_then_appends_and_reports_the_history()
    {
        var path = PathOf("drills.json");
        var first = RollbackDrillRecorder.Append(path, Drill("d1", 120), "production-pilot", 90, Clock);
        Assert.Equal(1, first.History.DrillCount);
        var second = RollbackDrillRecorder.Append(path, Drill("d2", 60), "production-pilot", 90, Clock);
        var third = RollbackDrillRecorder.Append(path, Drill("d3", 30), "", 90, Clock); // no environment given: not checked
        Assert.Equal(2, second.History.DrillCount);
        Assert.Equal(3, third.History.DrillCount);
        Assert.Equal("d3", third.History.LatestDrillId);
        Assert.True(third.History.Valid, third.History.Message);
        Assert.True(third.History.Fresh);
        var doc = (JsonObject)StrictJsonParser.Parse(File.ReadAllText(path));
        Assert.Equal(new[] { "schema_version", "environment", "drills" }, doc.Members.Select(m => m.Key));
        Assert.Equal("production-pilot", ((JsonString)doc.Get("environment")!).Value);
        var reread = RollbackDrillHistory.Read(new InputFiles(), path, 90, Clock);
        Assert.True(reread.Valid, reread.Message);
        Assert.Equal(new[] { "d1", "d2", "d3" }, ((JsonArray)doc.Get("drills")!).Items.Select(d => EvidenceFields.Text((JsonObject)d, "drill_id")));
    }

    [Fact]
    public void Recorder_records_a_failed_or_stale_drill_and_reports_it()
    {
        var path = PathOf("drills.json");
        var failed = RollbackDrillRecorder.Append(path, Drill("d1", 60, "fail"), "", 90, Clock);
        Assert.False(failed.History.Valid);
        Assert.Equal("fail", failed.History.LatestStatus);
        var stale = RollbackDrillRecorder.Append(PathOf("stale.json"), Drill("d2", 60 * 24 * 200), "", 90, Clock);
        Assert.False(stale.History.Fresh);
        Assert.True(File.Exists(PathOf("stale.json")));
    }

    [Fact]
    public void Recorder_records_the_environment_on_a_history_that_has_none_and_refuses_another_one()
    {
        var path = PathOf("drills.json");
        File.WriteAllText(path, HistoryWith(GoodDrill));
        RollbackDrillRecorder.Append(path, Drill("d1"), "production-pilot", 90, Clock);
        var doc = (JsonObject)StrictJsonParser.Parse(File.ReadAllText(path));
        Assert.Equal(new[] { "schema_version", "environment", "drills" }, doc.Members.Select(m => m.Key));

        var before = File.ReadAllText(path);
        var ex = Assert.Throws<EvidenceRejectedException>(() => RollbackDrillRecorder.Append(path, Drill("d2"), "staging", 90, Clock));
        Assert.Equal(EvidenceRejection.EnvironmentMismatch, ex.Reason);
        Assert.Contains("'production-pilot', not 'staging'", ex.Message);
        Assert.Equal(before, File.ReadAllText(path));
    }

    [Fact]
    public void Recorder_refuses_a_drill_id_the_history_already_holds()
    {
        var path = PathOf("drills.json");
        RollbackDrillRecorder.Append(path, Drill("d1"), "", 90, Clock);
        var before = File.ReadAllText(path);
        var ex = Assert.Throws<EvidenceRejectedException>(() => RollbackDrillRecorder.Append(path, Drill("d1", 10), "", 90, Clock));
        Assert.Equal(EvidenceRejection.DuplicateDrillId, ex.Reason);
        Assert.Equal(before, File.ReadAllText(path));
    }

    [Fact]
    public void Recorder_refuses_a_drill_the_gate_would_reject_and_writes_nothing()
    {
        var path = PathOf("drills.json");
        var future = Drill("d1", -60); // an hour ahead of the clock
        var ex = Assert.Throws<EvidenceRejectedException>(() => RollbackDrillRecorder.Append(path, future, "", 90, Clock));
        Assert.Equal(EvidenceRejection.Document, ex.Reason);
        Assert.Contains("in the future", ex.Message);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_dir, "*.json"));
    }

    [Fact]
    public void Recorder_appends_to_an_empty_drills_list()
    {
        var path = PathOf("drills.json");
        File.WriteAllText(path, HistoryWith());
        Assert.Equal(1, RollbackDrillRecorder.Append(path, Drill("d1"), "", 90, Clock).History.DrillCount);
    }

    [Theory]
    [InlineData("{\"schema_version\": \"cavra.go-backend-rollback-drill-history.v1\", \"drills\": \"oops\"}", "no drills list")]
    [InlineData("{\"schema_version\": \"something-else\", \"drills\": []}", "not a rollback drill history")]
    [InlineData("{\"schema_version\": \"cavra.go-backend-rollback-drill-history.v1\", \"drills\": [1]}", "not an object")]
    [InlineData("{\"drills\": [], \"drills\": []}", "Duplicate key")]
    [InlineData("{\"schema_version\": \"cavra.go-backend-rollback-drill-history.v1\", \"drills\": [{\"drill_id\": \"x\", \"recovery_minutes\": \"5\"}]}", "drills[0].recovery_minutes must be a number")]
    [InlineData("{\"schema_version\": \"cavra.go-backend-rollback-drill-history.v1\", \"drills\": [{\"drill_id\": \"x\", \"executed_at\": \"2027-06-01T00:00:00+00:00\", \"runbook_ref\": \"r\", \"evidence_refs\": [\"e\"]}]}", "in the future")]
    [InlineData("{\"schema_version\": \"cavra.go-backend-rollback-drill-history.v1\", \"environment\": 5, \"drills\": []}", "environment")]
    [InlineData("{\"schema_version\": \"cavra.go-backend-rollback-drill-history.v1\", \"drills\": [NaN]}", "invalid")]
    [InlineData("", "file is empty")]
    public void Recorder_never_touches_an_invalid_history(string content, string reason)
    {
        var path = PathOf("drills.json");
        File.WriteAllText(path, content);
        var ex = Assert.Throws<EvidenceRejectedException>(() => RollbackDrillRecorder.Append(path, Drill("d1"), "", 90, Clock));
        Assert.Equal(EvidenceRejection.ExistingFile, ex.Reason);
        Assert.Contains(reason, ex.Message);
        Assert.Contains("left untouched", ex.Message);
        Assert.Equal(content, File.ReadAllText(path));
        Assert.Equal(new[] { "drills.json", "drills.json.lock" }, Directory.GetFiles(_dir).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Recorder_refuses_a_directory()
    {
        var path = PathOf("drills.json");
        Directory.CreateDirectory(path);
        var ex = Assert.Throws<EvidenceRejectedException>(() => RollbackDrillRecorder.Append(path, Drill("d1"), "", 90, Clock));
        Assert.Equal(EvidenceRejection.ExistingFile, ex.Reason);
        Assert.True(Directory.Exists(path));
    }

    [Fact]
    public void A_recorder_that_dies_mid_write_leaves_the_old_history_and_releases_the_lock()
    {
        var path = PathOf("drills.json");
        RollbackDrillRecorder.Append(path, Drill("d1", 120), "", 90, Clock);
        var before = File.ReadAllBytes(path);
        AtomicFileWriter.AfterTemporaryFileWritten = _ => throw new IOException("simulated crash");
        Assert.Throws<IOException>(() => RollbackDrillRecorder.Append(path, Drill("d2"), "", 90, Clock));
        Assert.Equal(before, File.ReadAllBytes(path));

        AtomicFileWriter.AfterTemporaryFileWritten = null;
        var after = RollbackDrillRecorder.Append(path, Drill("d2"), "", 90, Clock, TimeSpan.FromSeconds(1));
        Assert.Equal(2, after.History.DrillCount);
    }

    [Fact]
    public void Concurrent_appenders_in_one_process_lose_nothing()
    {
        var path = PathOf("drills.json");
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => RollbackDrillRecorder.Append(path, Drill("d" + i), "", 90, Clock));
        var doc = (JsonObject)StrictJsonParser.Parse(File.ReadAllText(path));
        Assert.Equal(40, ((JsonArray)doc.Get("drills")!).Count);
        Assert.True(RollbackDrillHistory.Read(new InputFiles(), path, 90, Clock).Valid);
    }

    [Fact]
    public void A_held_lock_times_out_with_a_clear_message()
    {
        var path = PathOf("drills.json");
        using (EvidenceFileLock.Acquire(path, TimeSpan.FromSeconds(1)))
        {
            var ex = Assert.Throws<TimeoutException>(() => EvidenceFileLock.Acquire(path, TimeSpan.FromMilliseconds(200)));
            Assert.Contains("another writer held", ex.Message);
            Assert.Throws<TimeoutException>(() => RollbackDrillRecorder.Append(path, Drill("d1"), "", 90, Clock, TimeSpan.FromMilliseconds(100)));
        }
        Assert.False(File.Exists(path));
        using (EvidenceFileLock.Acquire(path, TimeSpan.FromSeconds(1))) { } // released
    }
}
