using System.Text;
using Cavra.Gate.Authoring;
using Cavra.Gate.FileSystem;
using Cavra.Gate.Notifications;

namespace Cavra.Gate.Tests.Notifications;

public sealed class LedgerTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("cavra-ledger-").FullName;
    private string Ledger => Path.Combine(_dir, "notifications.jsonl");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static INotificationRecord[] Three() => new INotificationRecord[]
    {
        RecordsTests.Failed(),
        RetryApprovalDecision.Create(RecordsTests.Failed().DeliveryId, "slack", "approved", "alice", At),
        ConnectorRecoveryClosure.Create("slack", "deferred", "carol", At, Array.Empty<string>()),
    };

    private static string Line(INotificationRecord r) => NotificationRecords.ToLine(r) + "\n";

    [Fact]
    public void A_missing_ledger_reads_as_empty_and_not_existing()
    {
        var c = NotificationLedger.Read(new InputFiles(_dir), "notifications.jsonl");
        Assert.False(c.Exists);
        Assert.True(c.Valid);
        Assert.Empty(c.Records);
        Assert.Equal(Ledger, c.Path);
    }

    [Fact]
    public void Append_writes_whole_lines_in_order_and_read_splits_them_by_kind()
    {
        var records = Three();
        var result = NotificationLedger.Append(Ledger, records);
        Assert.Equal(3, result.Lines);
        Assert.Equal("", result.TornTailPath);
        var execution = RetryExecutionRecord.Create("gordelivery-1", "teams", "", "skipped", "bob", At, Array.Empty<string>(), "no approval");
        NotificationLedger.Append(Ledger, new INotificationRecord[] { execution });

        Assert.Equal(string.Concat(records.Select(Line)) + Line(execution), File.ReadAllText(Ledger));
        var c = NotificationLedger.Read(new InputFiles(_dir), Ledger);
        Assert.True(c.Exists);
        Assert.True(c.Valid);
        Assert.Equal(4, c.Lines);
        Assert.Equal(new[] { "delivery", "retry_approval_decision", "connector_recovery_closure", "retry_execution" }, c.Records.Select(r => r.RecordType));
        Assert.Equal(records[0].ToString(), Assert.Single(c.Deliveries).ToString());
        Assert.Equal(((RetryApprovalDecision)records[1]).DecisionId, Assert.Single(c.Decisions).DecisionId);
        Assert.Equal(execution.ExecutionId, Assert.Single(c.Executions).ExecutionId);
        Assert.Equal(((ConnectorRecoveryClosure)records[2]).ClosureId, Assert.Single(c.Closures).ClosureId);
        Assert.Same(c.Deliveries[0], c.FindDelivery(c.Deliveries[0].DeliveryId));
        Assert.Null(c.FindDelivery("gordelivery-none"));
    }

    [Fact]
    public void Appending_nothing_creates_nothing()
    {
        NotificationLedger.Append(Ledger, Array.Empty<INotificationRecord>());
        Assert.False(File.Exists(Ledger));
    }

    [Fact]
    public void A_malformed_line_is_a_problem_naming_its_line_and_reading_goes_on()
    {
        var r = Three();
        File.WriteAllText(Ledger, Line(r[0]) + "{not json\n" + "[1]\n" + "\n" + "{\"record_type\":\"shipment\"}\n"
            + Line(r[1]).Replace("\"alice\"", "7") + Line(r[2]).TrimEnd('\n') + "\r\n");
        var c = NotificationLedger.Read(new InputFiles(_dir), Ledger);
        Assert.Equal(7, c.Lines);
        Assert.Equal(new[] { "delivery", "connector_recovery_closure" }, c.Records.Select(x => x.RecordType));
        Assert.Equal(new long[] { 2, 3, 4, 5, 6 }, c.Problems.Select(p => p.LineNumber));
        Assert.StartsWith("line 2: the line is not valid JSON: ", c.Problems[0].ToString());
        Assert.Equal("line 3: the line is not a JSON object", c.Problems[1].ToString());
        Assert.Equal("line 4: the line is empty", c.Problems[2].ToString());
        Assert.Equal("line 5: record_type 'shipment' is not a notification record this version reads", c.Problems[3].ToString());
        Assert.Equal("line 6: field 'decided_by' must be a string, not a number", c.Problems[4].ToString());
        Assert.False(c.Valid);
    }

    [Fact]
    public void A_count_beyond_an_int_is_a_problem_naming_its_line_not_an_exception_or_a_wrapped_value()
    {
        var r = Three();
        string line = Line(r[0]);
        Assert.Contains("\"number\":1,", line);
        File.WriteAllText(Ledger, line.Replace("\"number\":1,", "\"number\":4294967297,") + Line(r[1]));
        var c = NotificationLedger.Read(new InputFiles(_dir), Ledger);
        Assert.Equal(new long[] { 1 }, c.Problems.Select(p => p.LineNumber));
        Assert.Equal("line 1: attempts[0]: field 'number' must be an integer of at most 2147483647, not 4294967297", c.Problems[0].ToString());
        Assert.Single(c.Records);
        Assert.False(c.Valid);
    }

    [Fact]
    public void A_torn_final_line_is_reported_then_moved_aside_by_the_next_append_and_nothing_is_lost()
    {
        var r = Three();
        // A killed writer: the first line was committed; its batch of two got one whole line and half of the next out.
        string second = Line(r[1]), third = Line(r[2]);
        string torn = third[..(third.Length / 2)];
        File.WriteAllText(Ledger, Line(r[0]) + second + torn);

        var before = NotificationLedger.Read(new InputFiles(_dir), Ledger);
        Assert.Equal(2, before.Records.Count);
        var problem = Assert.Single(before.Problems);
        Assert.Equal(3, problem.LineNumber);
        Assert.Equal("line 3: the last line has no newline: a writer was cut off mid-append; the next append moves it to a .torn-<n> file beside the ledger",
            problem.ToString());

        var result = NotificationLedger.Append(Ledger, new[] { r[2] });
        Assert.Equal(Ledger + ".torn-1", result.TornTailPath);
        Assert.Equal(torn, File.ReadAllText(Ledger + ".torn-1"));
        Assert.Equal(Line(r[0]) + second + third, File.ReadAllText(Ledger));
        var after = NotificationLedger.Read(new InputFiles(_dir), Ledger);
        Assert.True(after.Valid);
        Assert.Equal(3, after.Records.Count);

        // A second tear goes to the next free name; the first is kept.
        File.AppendAllText(Ledger, "{\"record_type\":\"deliv");
        Assert.Equal(Ledger + ".torn-2", NotificationLedger.Append(Ledger, new[] { r[0] }).TornTailPath);
        Assert.Equal("{\"record_type\":\"deliv", File.ReadAllText(Ledger + ".torn-2"));
        Assert.Equal(torn, File.ReadAllText(Ledger + ".torn-1"));
        Assert.Equal(4, NotificationLedger.Read(new InputFiles(_dir), Ledger).Records.Count);
    }

    [Fact]
    public void A_ledger_that_is_only_a_torn_line_is_moved_aside_whole()
    {
        File.WriteAllText(Ledger, "{\"record_ty");
        var c = NotificationLedger.Read(new InputFiles(_dir), Ledger);
        Assert.Equal(1, Assert.Single(c.Problems).LineNumber);
        var result = NotificationLedger.Append(Ledger, new[] { Three()[0] });
        Assert.Equal("{\"record_ty", File.ReadAllText(result.TornTailPath));
        Assert.Equal(Line(Three()[0]), File.ReadAllText(Ledger));
    }

    [Fact]
    public void Concurrent_appenders_never_interleave_or_lose_a_line()
    {
        const int Writers = 4, Each = 25;
        Parallel.For(0, Writers, new ParallelOptions { MaxDegreeOfParallelism = Writers }, w =>
        {
            for (int i = 0; i < Each; i++)
                NotificationLedger.Append(Ledger, new INotificationRecord[]
                {
                    RetryApprovalDecision.Create($"gordelivery-{w}-{i}", "slack", "denied", "alice", At),
                    RetryApprovalDecision.Create($"gordelivery-{w}-{i}", "teams", "denied", "alice", At),
                });
        });
        var c = NotificationLedger.Read(new InputFiles(_dir), Ledger);
        Assert.True(c.Valid);
        Assert.Equal(Writers * Each * 2, c.Decisions.Count);
        // Each batch's two lines stay adjacent: one write per batch.
        for (int i = 0; i < c.Decisions.Count; i += 2)
        {
            Assert.Equal(c.Decisions[i].DeliveryId, c.Decisions[i + 1].DeliveryId);
            Assert.Equal(("slack", "teams"), (c.Decisions[i].Provider, c.Decisions[i + 1].Provider));
        }
    }

    [Fact]
    public void A_symbolic_link_ledger_is_refused_and_its_target_untouched()
    {
        string target = Path.Combine(_dir, "elsewhere.txt");
        File.WriteAllText(target, "keep");
        File.CreateSymbolicLink(Ledger, target);
        var ex = Assert.Throws<NotARegularFileException>(() => NotificationLedger.Append(Ledger, Three()));
        Assert.Equal(FileKind.SymbolicLink, ex.Kind);
        Assert.Equal("keep", File.ReadAllText(target));
    }

    [Fact]
    public void A_symbolic_link_lock_is_refused()
    {
        string target = Path.Combine(_dir, "planted");
        File.CreateSymbolicLink(Ledger + ".lock", target);
        Assert.Throws<NotARegularFileException>(() => NotificationLedger.Append(Ledger, Three()));
        Assert.False(File.Exists(target));
        Assert.False(File.Exists(Ledger));
    }

    [Fact]
    public void A_directory_ledger_is_refused_on_append_and_a_problem_on_read()
    {
        Directory.CreateDirectory(Ledger);
        Assert.Equal(FileKind.Directory, Assert.Throws<NotARegularFileException>(() => NotificationLedger.Append(Ledger, Three())).Kind);
        var c = NotificationLedger.Read(new InputFiles(_dir), Ledger);
        Assert.True(c.Exists);
        Assert.Equal($"the notification ledger {Ledger} is not a regular file: directory", Assert.Single(c.Problems).ToString());
    }

    [Fact]
    public void A_fifo_ledger_is_refused_without_blocking()
    {
        if (OperatingSystem.IsWindows()) return;
        Hostile.MakeFifo(Ledger);
        var ex = Hostile.Bounded(() => Assert.Throws<NotARegularFileException>(() => NotificationLedger.Append(Ledger, Three())), what: "Append to a FIFO");
        Assert.Equal(FileKind.Fifo, ex.Kind);
        var c = Hostile.Bounded(() => NotificationLedger.Read(new InputFiles(_dir), Ledger), what: "Read of a FIFO");
        Assert.Equal($"the notification ledger {Ledger} is not a regular file: FIFO", Assert.Single(c.Problems).Message);
        Assert.Equal(0, c.Problems[0].LineNumber);
    }

    [Fact]
    public void A_ledger_past_the_cap_is_a_whole_file_problem_and_an_append_that_would_cross_it_is_refused()
    {
        using (var f = new FileStream(Ledger, FileMode.CreateNew))
        {
            f.SetLength(NotificationLedger.MaxLedgerBytes - 10); // sparse: no 64 MiB actually written
            f.Seek(0, SeekOrigin.End);
            f.WriteByte((byte)'\n');
        }
        long length = new FileInfo(Ledger).Length;
        var ex = Assert.Throws<NotificationLedgerException>(() => NotificationLedger.Append(Ledger, Three()));
        Assert.Equal($"the notification ledger {Ledger} would grow past 64 MiB, which the gate refuses to read; "
            + "move it aside to archive it (its open failures then need a new delivery or closure in the new ledger)", ex.Message);
        Assert.Equal(length, new FileInfo(Ledger).Length);

        using (var f = new FileStream(Ledger, FileMode.Open)) f.SetLength(NotificationLedger.MaxLedgerBytes + 1);
        var c = NotificationLedger.Read(new InputFiles(_dir), Ledger);
        var problem = Assert.Single(c.Problems);
        Assert.Equal(0, problem.LineNumber);
        Assert.StartsWith($"the notification ledger {Ledger} is larger than 64 MiB", problem.Message);
        Assert.Empty(c.Records);
    }

    [Fact]
    public void A_writer_holding_the_lock_makes_append_time_out_and_write_nothing()
    {
        using (EvidenceFileLock.Acquire(Ledger, TimeSpan.FromSeconds(5)))
        {
            var ex = Assert.Throws<TimeoutException>(() => NotificationLedger.Append(Ledger, Three(), TimeSpan.FromMilliseconds(30)));
            Assert.Contains(Ledger + ".lock", ex.Message);
        }
        Assert.False(File.Exists(Ledger));
        NotificationLedger.Append(Ledger, Three());
        Assert.Equal(3, NotificationLedger.Read(new InputFiles(_dir), Ledger).Records.Count);
    }

    [Fact]
    public void A_null_record_or_path_is_refused_before_anything_is_written()
    {
        Assert.Throws<ArgumentException>(() => NotificationLedger.Append(Ledger, new INotificationRecord[] { Three()[0], null! }));
        Assert.Throws<ArgumentException>(() => NotificationLedger.Append("", Three()));
        Assert.False(File.Exists(Ledger));
    }

    [Fact]
    public void A_record_that_would_not_read_back_is_refused_and_nothing_is_written()
    {
        var attempts = new[] { new DeliveryAttempt(1, 500, "HTTP 500", At, 1) };
        var miscounted = new DeliveryRecord("gordelivery-x", "p", "r", "s", "o", "slack", "e", 2, 500, false, "", "HTTP 500", "2026-03-01T12:00:00+00:00", attempts, "");
        var ex = Assert.Throws<NotificationLedgerException>(() => NotificationLedger.Append(Ledger, new INotificationRecord[] { Three()[0], miscounted }));
        Assert.Equal("record gordelivery-x slack failed would not read back: field 'attempt_count' is 2 but attempts lists 1", ex.Message);
        var undated = new DeliveryRecord("gordelivery-y", "p", "r", "s", "o", "slack", "e", 1, 500, false, "", "HTTP 500", "yesterday", attempts, "");
        Assert.Equal("record gordelivery-y slack failed would not read back: field 'attempted_at' must be an ISO-8601 timestamp, not 'yesterday'",
            Assert.Throws<NotificationLedgerException>(() => NotificationLedger.Append(Ledger, new INotificationRecord[] { undated })).Message);
        Assert.False(File.Exists(Ledger));
    }

    [Fact]
    public void A_planted_torn_file_name_is_skipped_never_followed()
    {
        File.WriteAllText(Ledger, Line(Three()[0]) + "{\"torn");
        string target = Path.Combine(_dir, "victim");
        File.CreateSymbolicLink(Ledger + ".torn-1", target);
        var result = NotificationLedger.Append(Ledger, new[] { Three()[1] });
        Assert.Equal(Ledger + ".torn-2", result.TornTailPath);
        Assert.Equal("{\"torn", File.ReadAllText(Ledger + ".torn-2"));
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void An_unreadable_ledger_is_one_whole_file_problem()
    {
        NotificationLedger.Append(Ledger, Three());
        var denied = new InputFiles(_dir) { OpenRead = _ => throw new UnauthorizedAccessException() };
        var c = NotificationLedger.Read(denied, Ledger);
        Assert.True(c.Exists);
        Assert.Empty(c.Records);
        Assert.Equal($"the notification ledger {Ledger} could not be read: permission denied", Assert.Single(c.Problems).ToString());
        var failing = new InputFiles(_dir) { OpenRead = _ => throw new IOException("disk on fire") };
        Assert.Equal($"the notification ledger {Ledger} could not be read: disk on fire", Assert.Single(NotificationLedger.Read(failing, Ledger).Problems).Message);
    }

    [Fact]
    public void A_relative_path_resolves_against_the_callers_folder_and_an_empty_one_is_not_configured()
    {
        NotificationLedger.Append(Ledger, Three());
        Assert.Equal(3, NotificationLedger.Read(new InputFiles(_dir), "notifications.jsonl").Records.Count);
        var none = NotificationLedger.Read(new InputFiles(_dir), "");
        Assert.Equal((false, ""), (none.Exists, none.Path));
    }

    [Fact]
    public void Lines_are_utf8_without_a_bom_and_keep_non_ascii_text()
    {
        var d = RetryApprovalDecision.Create("gordelivery-1", "slack", "denied", "Zoë", At, notes: "pas maintenant\nplus tard");
        NotificationLedger.Append(Ledger, new INotificationRecord[] { d });
        var bytes = File.ReadAllBytes(Ledger);
        Assert.NotEqual(0xEF, bytes[0]);
        Assert.Equal(1, bytes.Count(b => b == (byte)'\n'));
        Assert.Contains("\"decided_by\":\"Zoë\"", Encoding.UTF8.GetString(bytes));
        Assert.Equal("pas maintenant\nplus tard", NotificationLedger.Read(new InputFiles(_dir), Ledger).Decisions[0].Notes);
    }
}

public sealed class LedgerKillTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cavra-ledger-kill-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_writer_killed_mid_append_leaves_whole_batches_and_at_most_a_torn_last_line_that_the_next_append_moves_aside()
    {
        const int Batch = 200; // about 400 KB per write
        string ledger = Path.Combine(_dir, "notifications.jsonl");
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new System.Diagnostics.ProcessStartInfo(dotnet) { UseShellExecute = false };
        foreach (var a in new[] { "exec", typeof(LedgerChildWriter).Assembly.Location, "ledger-writer", ledger, Batch.ToString() }) start.ArgumentList.Add(a);
        using (var child = System.Diagnostics.Process.Start(start)!)
        {
            // Kill once a few batches are on disk; the deadline only bounds a writer that never starts.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((File.Exists(ledger) ? new FileInfo(ledger).Length : 0) < 3L * Batch * 2000 && !child.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(5);
            Assert.False(child.HasExited, $"the child writer exited with {(child.HasExited ? child.ExitCode : 0)}");
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }

        var killed = NotificationLedger.Read(new InputFiles(_dir), ledger);
        output.WriteLine($"killed after {killed.Lines} whole lines; torn last line: {killed.Problems.Count == 1}");
        // Every whole line is a record; only the very last line may be torn.
        Assert.True(killed.Problems.Count <= 1, string.Join("\n", killed.Problems));
        if (killed.Problems.Count == 1) Assert.Equal(killed.Lines + 1, killed.Problems[0].LineNumber);
        // Batches never interleave: decisions come batch by batch, each in order.
        var batches = killed.Decisions.Select(d => d.DeliveryId).Distinct().ToList();
        Assert.Equal(batches.Select((_, i) => $"gordelivery-batch{i}"), batches);
        for (int i = 0; i < killed.Decisions.Count; i++) Assert.StartsWith($"{i % Batch}:", killed.Decisions[i].Notes);
        Assert.True(killed.Decisions.Count >= 3 * Batch);

        var result = NotificationLedger.Append(ledger, new INotificationRecord[] { RetryApprovalDecision.Create("gordelivery-after", "slack", "denied", "me", DateTimeOffset.UnixEpoch) });
        var after = NotificationLedger.Read(new InputFiles(_dir), ledger);
        Assert.True(after.Valid);
        Assert.Equal(killed.Decisions.Count + 1, after.Decisions.Count);
        Assert.Equal(killed.Problems.Count == 1, result.TornTailPath.Length > 0);
    }
}
