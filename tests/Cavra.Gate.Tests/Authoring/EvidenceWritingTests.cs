using System.Text;
using Cavra.Gate.Authoring;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.Gate.Time;

namespace Cavra.Gate.Tests.Authoring;

// The writer's crash seam is static: keep every test that uses it in this one (serial) class.
public sealed class EvidenceWritingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cavra-authoring-").FullName;
    private static readonly FixedClock Clock = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    public void Dispose()
    {
        EvidenceFileWriter.AfterTemporaryFileWritten = null;
        Directory.Delete(_dir, true);
    }

    private static JsonObject Drill(string id, int minutesAgo = 60) => new EvidenceDocument()
        .Add("drill_id", id).Add("executed_at", Clock.UtcNow.AddMinutes(-minutesAgo)).Add("target_mode", "disabled").Add("status", "pass")
        .Add("fallback_verified", true).Add("recovery_minutes", 5).Add("max_recovery_minutes", 15).Add("runbook_ref", "docs/r.md")
        .Add("evidence_refs", new[] { "ref://" + id }).ToJsonObject();

    [Fact]
    public void Writes_utf8_without_bom_in_the_given_key_order_with_a_trailing_newline()
    {
        var path = Path.Combine(_dir, "doc.json");
        EvidenceFileWriter.Write(path, new EvidenceDocument().Add("schema_version", "x").Add("count", 7.0).Add("ratio", 2.5).Add("refs", new[] { "é" }));
        var bytes = File.ReadAllBytes(path);
        Assert.NotEqual(0xEF, bytes[0]);
        Assert.Equal("{\n  \"schema_version\": \"x\",\n  \"count\": 7,\n  \"ratio\": 2.5,\n  \"refs\": [\n    \"é\"\n  ]\n}\n", Encoding.UTF8.GetString(bytes));
        Assert.Single(Directory.GetFiles(_dir)); // no temporary file left behind
    }

    [Fact]
    public void A_writer_that_dies_after_the_temporary_file_leaves_the_old_file_intact()
    {
        var path = Path.Combine(_dir, "plan.json");
        EvidenceFileWriter.Write(path, new EvidenceDocument().Add("version", "old"));
        var before = File.ReadAllBytes(path);
        EvidenceFileWriter.AfterTemporaryFileWritten = temp =>
        {
            Assert.True(File.Exists(temp));
            throw new IOException("simulated crash between writing and replacing");
        };
        Assert.Throws<IOException>(() => EvidenceFileWriter.Write(path, new EvidenceDocument().Add("version", "new")));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));

        EvidenceFileWriter.AfterTemporaryFileWritten = null;
        EvidenceFileWriter.Write(path, new EvidenceDocument().Add("version", "new"));
        Assert.Contains("\"new\"", File.ReadAllText(path));
    }

    [Fact]
    public void Recorder_creates_then_appends_and_reports_the_history()
    {
        var path = Path.Combine(_dir, "drills.json");
        var first = RollbackDrillRecorder.Append(path, Drill("d1", 120), "production-pilot", 90, Clock);
        Assert.Equal(1, first.History.DrillCount);
        var second = RollbackDrillRecorder.Append(path, Drill("d2", 60), "ignored-when-the-file-exists", 90, Clock);
        Assert.Equal(2, second.History.DrillCount);
        Assert.Equal("d2", second.History.LatestDrillId);
        Assert.True(second.History.Valid, second.History.Message);
        Assert.True(second.History.Fresh);
        var doc = (JsonObject)StrictJsonParser.Parse(File.ReadAllText(path));
        Assert.Equal(new[] { "schema_version", "environment", "drills" }, doc.Members.Select(m => m.Key));
        Assert.Equal("production-pilot", ((JsonString)doc.Get("environment")!).Value);
        var reread = RollbackDrillHistory.Read(new InputFiles(), path, 90, Clock);
        Assert.True(reread.Valid, reread.Message);
    }

    [Theory]
    [InlineData("{\"schema_version\": \"cavra.go-backend-rollback-drill-history.v1\", \"drills\": \"oops\"}", "no drills list")]
    [InlineData("{\"schema_version\": \"something-else\", \"drills\": []}", "not a rollback drill history")]
    [InlineData("{\"schema_version\": \"cavra.go-backend-rollback-drill-history.v1\", \"drills\": [1]}", "not an object")]
    [InlineData("{\"drills\": [], \"drills\": []}", "Duplicate key")]
    [InlineData("", "file is empty")]
    public void Recorder_never_touches_an_invalid_history(string content, string reason)
    {
        var path = Path.Combine(_dir, "drills.json");
        File.WriteAllText(path, content);
        var ex = Assert.Throws<EvidenceRejectedException>(() => RollbackDrillRecorder.Append(path, Drill("d1"), "", 90, Clock));
        Assert.Contains(reason, ex.Message);
        Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public void Concurrent_appenders_in_one_process_lose_nothing()
    {
        var path = Path.Combine(_dir, "drills.json");
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => RollbackDrillRecorder.Append(path, Drill("d" + i), "", 90, Clock));
        var doc = (JsonObject)StrictJsonParser.Parse(File.ReadAllText(path));
        Assert.Equal(40, ((JsonArray)doc.Get("drills")!).Count);
    }

    [Fact]
    public void A_held_lock_times_out_with_a_clear_message()
    {
        var path = Path.Combine(_dir, "drills.json");
        using (EvidenceFileLock.Acquire(path, TimeSpan.FromSeconds(1)))
        {
            var ex = Assert.Throws<TimeoutException>(() => EvidenceFileLock.Acquire(path, TimeSpan.FromMilliseconds(200)));
            Assert.Contains("another writer held", ex.Message);
        }
        using (EvidenceFileLock.Acquire(path, TimeSpan.FromSeconds(1))) { } // released
    }
}
