using System.Security.Cryptography;
using System.Text;
using Cavra.Gate.Authoring;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Evidence;
using Cavra.Gate.Json;
using Cavra.Gate.Parity;
using Cavra.Gate.Pilot;
using Cavra.Gate.Readiness;
using Cavra.Gate.Serialization;
using Cavra.Gate.Tests.Gate;
using Cavra.Gate.Tests.Pilot;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Tests.Parity;

public sealed class JournalTests : IDisposable
{
    private readonly ParityFixture _f = new();
    private string Journal(string name = "journal.jsonl") => Path.Combine(_f.Set.Directory, "journals", name);
    public void Dispose() => _f.Dispose();

    [Fact]
    public void Each_line_chains_to_the_one_before_starting_from_a_header()
    {
        var path = Journal();
        _f.Shadow(path, 20);
        var lines = File.ReadAllLines(path);
        Assert.Equal(21, lines.Length);
        var header = (JsonObject)StrictJsonParser.Parse(lines[0]);
        Assert.Equal(AuditJournal.Schema, ((JsonString)header.Get("journal_schema")!).Value);
        Assert.StartsWith("jrn_", ((JsonString)header.Get("journal_id")!).Value);
        for (int i = 1; i < lines.Length; i++)
        {
            var line = (JsonObject)StrictJsonParser.Parse(lines[i]);
            Assert.Equal("prev", line.Members[0].Key);
            string expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(lines[i - 1])));
            Assert.Equal(expected, ((JsonString)line.Get("prev")!).Value);
        }
    }

    [Fact]
    public void A_line_records_hashes_host_version_transport_and_go_failure_and_stays_under_a_kilobyte()
    {
        var path = Journal();
        _f.Shadow(path, 50);
        var lines = File.ReadAllLines(path);
        var line = (JsonObject)StrictJsonParser.Parse(lines[1]); // action 0: a match
        string Text(string key) => line.Get(key) is JsonString s ? s.Value : ""; // empty strings are left out of a line
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(_f.Set.RuntimePath))), Text("runtime_sha256"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(_f.Set.PolicyPath))), Text("policy_sha256"));
        Assert.Equal("", Text("registry_sha256"));
        Assert.Equal("host-a", Text("host"));
        Assert.Equal(AuditJournal.DefaultModuleVersion, Text("module_version"));
        Assert.Equal("daemon", Text("transport"));
        Assert.Equal("", Text("go_failure"));
        Assert.False(line.Contains("go_failure"));
        Assert.False(line.Contains("effective_decision"));
        Assert.Equal(new[] { "decision_id", "timestamp", "correlation_id" }, ((JsonObject)line.Get("go_decision")!).Members.Select(m => m.Key));
        var escape = (JsonObject)StrictJsonParser.Parse(lines[8]); // action 7: Go allowed a block
        Assert.Equal("allow", ((JsonString)((JsonObject)escape.Get("go_decision")!).Get("decision")!).Value);
        var failed = (JsonObject)StrictJsonParser.Parse(lines[41]); // action 40: Go timed out
        Assert.Equal("timed out after 5 seconds", ((JsonString)failed.Get("go_failure")!).Value);
        Assert.True(failed.Get("go_decision") is JsonNull);
        // a typical line (a match) is at most 1 KB
        Assert.All(lines.Skip(1).Take(5), l => Assert.True(Encoding.UTF8.GetByteCount(l) <= 1024, $"{Encoding.UTF8.GetByteCount(l)} bytes: {l}"));
    }

    [Fact]
    public void Concurrent_writers_keep_one_valid_chain_and_never_interleave()
    {
        var path = Journal();
        var pilot = _f.Pilot(_f.Disagreeing());
        var records = Enumerable.Range(0, 400).Select(i => pilot.Evaluate(ParityFixture.Action(i))).ToArray();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, w =>
        {
            using var journal = new AuditJournal(path, TimeSpan.FromMilliseconds(5));
            for (int i = w; i < records.Length; i += 8)
            {
                journal.Append(records[i]);
                if (i % 16 == 0) journal.Flush();
            }
        });
        var problems = ParityFixture.Problems(path, out var entries);
        Assert.Empty(problems);
        Assert.Equal(400, entries.Count);
        Assert.Equal(400, entries.Select(e => e.EvaluationId).Distinct().Count());
    }

    [Fact]
    public void A_single_edited_byte_is_reported_with_its_line_and_the_line_is_not_returned()
    {
        var path = Journal();
        _f.Shadow(path, 60);
        var bytes = File.ReadAllBytes(path);
        // line 31 (action 29): change one letter of the built-in decision's reason
        int lineStart = 0;
        for (int n = 1; n < 31; n++) lineStart = Array.IndexOf(bytes, (byte)'\n', lineStart) + 1;
        int at = IndexOf(bytes, "\"reason\":\"", lineStart) + 10;
        bytes[at] = (byte)(bytes[at] == (byte)'x' ? 'y' : 'x');
        File.WriteAllBytes(path, bytes);

        var problems = ParityFixture.Problems(path, out var entries);
        var problem = Assert.Single(problems);
        Assert.Equal(JournalErrorIds.ChainBroken, problem.ErrorId);
        Assert.Equal(31, problem.LineNumber);
        Assert.Contains("line 31", problem.Message);
        Assert.Equal(59, entries.Count);
        Assert.DoesNotContain(entries, e => e.LineNumber == 32);
        var report = ParityFixture.Measure(null, path);
        Assert.Equal(ParityStatus.Fail, report.Status);
        Assert.False(Assert.Single(report.Journals).ChainValid);
        Assert.Contains(report.Reasons, r => r.Contains("hash chain is broken"));
    }

    [Fact]
    public void Removed_reordered_and_invalid_lines_are_each_reported()
    {
        var path = Journal();
        _f.Shadow(path, 30);
        var lines = File.ReadAllLines(path).ToList();
        lines.RemoveAt(10);                                // line 11 removed: line 10 no longer links to the next
        (lines[20], lines[21]) = (lines[21], lines[20]);   // two lines swapped
        lines[25] = "{not json";
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        var problems = ParityFixture.Problems(path, out _);
        Assert.Contains(problems, p => p.ErrorId == JournalErrorIds.ChainBroken && p.LineNumber == 10);
        Assert.Contains(problems, p => p.ErrorId == JournalErrorIds.ChainBroken && p.LineNumber == 20);
        Assert.Contains(problems, p => p.ErrorId == JournalErrorIds.LineInvalid && p.LineNumber == 26);
        Assert.All(problems, p => Assert.True(p.BreaksChain));
    }

    [Fact]
    public void A_file_that_does_not_start_with_a_header_is_reported()
    {
        var path = Journal();
        _f.Shadow(path, 5);
        File.WriteAllLines(path, File.ReadAllLines(path).Skip(1));
        var problems = ParityFixture.Problems(path, out _);
        Assert.Equal(JournalErrorIds.HeaderInvalid, problems[0].ErrorId);
        Assert.Equal(1, problems[0].LineNumber);
    }

    [Fact]
    public void A_torn_last_batch_is_a_warning_and_the_next_writer_trims_it_and_keeps_the_chain()
    {
        var path = Journal();
        _f.Shadow(path, 10);
        File.AppendAllText(path, "{\"prev\":\"00"); // a power cut in the middle of a write
        var problems = ParityFixture.Problems(path, out var entries);
        var torn = Assert.Single(problems);
        Assert.Equal(JournalErrorIds.LineIncomplete, torn.ErrorId);
        Assert.False(torn.BreaksChain);
        Assert.Equal(10, entries.Count);

        _f.Shadow(path, 5, from: 10);
        Assert.Empty(ParityFixture.Problems(path, out entries));
        Assert.Equal(15, entries.Count);
    }

    [Fact]
    public void Nothing_is_lost_at_dispose_and_lines_wait_at_most_the_commit_interval()
    {
        var path = Journal();
        var pilot = _f.Pilot(_f.Disagreeing());
        using (var journal = new AuditJournal(path, TimeSpan.FromHours(1)))
        {
            journal.Append(pilot.Evaluate(ParityFixture.Action(0))); // the first line commits at once (a bad path fails early)
            Assert.Equal(2, File.ReadAllLines(path).Length);
            journal.Append(pilot.Evaluate(ParityFixture.Action(2)));
            Assert.Equal(2, File.ReadAllLines(path).Length);          // queued, not yet committed
        }
        Assert.Equal(3, File.ReadAllLines(path).Length);              // committed at dispose
    }

    [Fact]
    public void A_journal_that_cannot_be_written_fails_the_append()
    {
        var path = Journal();
        Directory.CreateDirectory(path); // a directory where the journal should be
        var pilot = _f.Pilot(_f.Disagreeing());
        using var journal = new AuditJournal(path, TimeSpan.FromMilliseconds(50));
        Assert.ThrowsAny<Exception>(() => journal.Append(pilot.Evaluate(ParityFixture.Action(0))));
    }

    private static int IndexOf(byte[] bytes, string text, int from)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        for (int i = from; i <= bytes.Length - needle.Length; i++)
            if (bytes.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        throw new InvalidOperationException(text + " not found");
    }
}

public sealed class ParityMeasurementTests : IDisposable
{
    private readonly ParityFixture _f = new();
    private string Journal(string name = "journal.jsonl") => Path.Combine(_f.Set.Directory, "journals", name);
    public void Dispose() => _f.Dispose();

    [Fact]
    public void A_shadow_run_of_3000_actions_is_measured_exactly()
    {
        var path = Journal();
        var records = _f.Shadow(path, 3000);
        var report = ParityFixture.Measure(null, path);

        // The test's own account, from the runtime double's scheme and the built-in decisions.
        var kinds = Enumerable.Range(0, 3000).Select(ParityFixture.KindOf).ToList();
        int failures = kinds.Count(k => k == ParityFixture.Kind.Failure);
        int sample = 3000 - failures;
        int escapes = Enumerable.Range(0, 3000).Count(i => kinds[i] == ParityFixture.Kind.Escape && records[i].DotnetDecision.Verdict != "allow");
        int overBlocks = Enumerable.Range(0, 3000).Count(i => kinds[i] == ParityFixture.Kind.OverBlock && records[i].DotnetDecision.Verdict != "block");
        int rules = kinds.Count(k => k == ParityFixture.Kind.Rule);
        int severities = kinds.Count(k => k == ParityFixture.Kind.Severity);
        Assert.Equal(60, escapes);
        Assert.Equal(60, overBlocks);

        Assert.Equal(3000, report.Evaluations);
        Assert.Equal(sample, report.SampleSize);
        Assert.Equal(escapes + overBlocks + rules + severities, report.Mismatched);
        Assert.Equal(sample - report.Mismatched, report.Matched);
        Assert.Equal(failures, report.GoFailures);
        Assert.Equal(escapes, report.Escapes);
        Assert.Equal(overBlocks, report.OverBlocks);
        Assert.Equal(escapes + overBlocks, report.Tally.DecisionMismatches);
        Assert.Equal(rules, report.Tally.RuleIdMismatches);
        Assert.Equal(severities, report.Tally.SeverityMismatches);
        Assert.Equal((double)report.Mismatched / sample, report.MismatchRate);
        Assert.Equal(Independent.UpperBound(report.Mismatched, sample, 0.95), report.MismatchRateUpperBound, 1e-9);
        Assert.Equal(sample, report.Tally.ByActionType["execute_command"]);
        Assert.Equal(sample, report.Tally.ByRuleId.Values.Sum());
        Assert.Equal(records.Where(r => r.GoDecision != null).GroupBy(r => r.DotnetDecision.RuleId).ToDictionary(g => g.Key, g => (long)g.Count()),
            report.Tally.ByRuleId);
        Assert.Equal(EvidenceSet.Now.AddDays(-3), report.WindowStart);
        Assert.Equal(EvidenceSet.Now.AddDays(-3).AddSeconds(2999), report.WindowEnd);
        Assert.Equal(new[] { "host-a" }, report.Hosts);
        Assert.Equal(records[0].Inputs!.RuntimeSha256, report.RuntimeSha256);
        Assert.Equal(records[0].Inputs!.PolicySha256, report.PolicySha256);
        var journal = Assert.Single(report.Journals);
        Assert.True(journal.ChainValid);
        Assert.Equal(3001, journal.LineCount);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))), journal.Sha256);

        Assert.Equal(ParityStatus.Fail, report.Status);
        Assert.Contains(report.Reasons, r => r.StartsWith("60 escapes"));
        Assert.Contains(report.Reasons, r => r.StartsWith("mismatch rate upper bound"));
    }

    [Fact]
    public void A_clean_run_passes_and_0_of_3000_gives_the_exact_bound()
    {
        var path = Journal();
        _f.Shadow(path, 3000, new FakeRuntime());
        var report = ParityFixture.Measure(null, path);
        Assert.Equal(ParityStatus.Pass, report.Status);
        Assert.Empty(report.Reasons);
        Assert.Equal(0, report.Mismatched);
        Assert.Equal(1 - Math.Pow(0.05, 1.0 / 3000), report.MismatchRateUpperBound, 1e-12);
        Assert.Equal(0.000998, report.MismatchRateUpperBound, 1e-6);
    }

    [Theory]
    [InlineData(0, 10, 0.95)]
    [InlineData(1, 10, 0.95)]
    [InlineData(3, 1000, 0.95)]
    [InlineData(240, 2940, 0.95)]
    [InlineData(5, 20000, 0.99)]
    [InlineData(17, 400, 0.9)]
    public void The_bound_agrees_with_bisection_on_the_binomial_cdf(int x, int n, double confidence) =>
        Assert.Equal(Independent.UpperBound(x, n, confidence), ClopperPearson.UpperBound(x, n, confidence), 1e-9);

    [Fact]
    public void Each_criterion_fails_with_its_own_reason()
    {
        var path = Journal();
        _f.Shadow(path, 200, new FakeRuntime());
        var small = ParityFixture.Measure(null, path);
        Assert.Equal(ParityStatus.Fail, small.Status);
        Assert.Contains("sample size 200 is below the minimum of 1000", small.Reasons);
        Assert.Contains(small.Reasons, r => r.StartsWith("mismatch rate upper bound")); // 0 of 200 cannot show 0.001
        var lenient = ParityFixture.Measure(new ParityCriteria { MinimumSampleSize = 100, MaxMismatchRate = 0.02 }, path);
        Assert.Equal(ParityStatus.Pass, lenient.Status);
    }

    [Fact]
    public void A_sample_mixing_runtimes_fails_naming_them()
    {
        var first = Journal("a.jsonl");
        var second = Journal("b.jsonl");
        _f.Shadow(first, 600, new FakeRuntime());
        File.WriteAllText(_f.Set.RuntimePath, "#!/bin/sh\n# another build\n");
        File.SetLastWriteTimeUtc(_f.Set.RuntimePath, DateTime.UtcNow.AddMinutes(1));
        _f.Shadow(second, 600, new FakeRuntime(), from: 600);
        var report = ParityFixture.Measure(new ParityCriteria { MinimumSampleSize = 100, MaxMismatchRate = 0.01 }, first, second);
        Assert.Equal(ParityStatus.Fail, report.Status);
        var reason = Assert.Single(report.Reasons);
        Assert.StartsWith("the sample mixes runtime binaries: ", reason);
        Assert.Equal(2, report.Tally.RuntimeHashes.Count);
        foreach (var hash in report.Tally.RuntimeHashes.Keys) Assert.Contains($"{hash} (600)", reason);
        Assert.Equal("", report.RuntimeSha256);
    }

    [Fact]
    public void Halves_split_in_time_merge_into_exactly_the_whole()
    {
        var path = Journal();
        _f.Shadow(path, 1500);
        var mid = EvidenceSet.Now.AddDays(-3).AddSeconds(700);
        ParityReport Half(DateTimeOffset? since, DateTimeOffset? until)
        {
            var tally = new ParityTally();
            var file = new JournalFile(path);
            tally.AddJournal(file);
            foreach (var e in new PilotJournalReader { Since = since, Until = until }.Read(file)) tally.Add(e);
            return ParityReport.Create(tally, new ParityCriteria(), EvidenceSet.Now);
        }
        var first = Half(null, mid);
        var second = Half(mid, null);
        Assert.Equal(700, first.Evaluations);
        Assert.Equal(800, second.Evaluations);

        // merged through their JSON, as reports cross jobs and files
        var merged = new ParityTally();
        foreach (var half in new[] { second, first })
        {
            Assert.True(ParityReport.TryParse((JsonObject)StrictJsonParser.Parse(half.ToJson()), out var parsed, out var error), error);
            merged.Merge(parsed);
        }
        var whole = ParityFixture.Measure(null, path);
        Assert.Equal(whole.ToJson(), ParityReport.Create(merged, new ParityCriteria(), EvidenceSet.Now).ToJson());
    }

    [Fact]
    public void Merging_overlapping_measurements_of_one_journal_fails()
    {
        var path = Journal();
        _f.Shadow(path, 300, new FakeRuntime());
        var once = ParityFixture.Measure(null, path);
        var tally = new ParityTally();
        tally.Merge(once);
        tally.Merge(once);
        var twice = ParityReport.Create(tally, new ParityCriteria { MinimumSampleSize = 10, MaxMismatchRate = 0.5 }, EvidenceSet.Now);
        Assert.Equal(ParityStatus.Fail, twice.Status);
        Assert.Contains(twice.Reasons, r => r.Contains("is counted twice"));
    }

    [Fact]
    public void A_report_with_a_negative_or_fractional_count_is_refused()
    {
        var path = Journal();
        _f.Shadow(path, 20, new FakeRuntime());
        string json = ParityFixture.Measure(null, path).ToJson();
        Assert.False(ParityReport.TryParse((JsonObject)StrictJsonParser.Parse(json.Replace("\"escapes\": 0", "\"escapes\": -1")), out _, out var e1));
        Assert.Contains("escapes", e1);
        Assert.False(ParityReport.TryParse((JsonObject)StrictJsonParser.Parse(json.Replace("\"matched\": 20", "\"matched\": 20.5")), out _, out _));
    }
}

/// <summary>The promoted gate with promotion evidence authored from a parity report.</summary>
public sealed class ParityGateTests : IDisposable
{
    private readonly ParityFixture _f = new();
    private string ReportPath => Path.Combine(_f.Set.Directory, "parity-report.json");
    public void Dispose() => _f.Dispose();

    private void AuthorEvidence(ParityReport report, string? reportPath = null)
    {
        AtomicFileWriter.Write(ReportPath, report);
        var context = _f.Set.Context();
        var draft = new PromotionEvidenceDraft
        {
            ParityStatus = CanonicalName.Of(report.Status), DeploymentStatus = "ready", Approved = true, ApprovalId = "apr_1",
            EvidenceRefs = new[] { "go-runtime-parity://report/sha256:x" }, GeneratedAt = EvidenceSet.Now.AddHours(-1), ExpiresAt = EvidenceSet.Now.AddDays(30),
            ParityReportPath = reportPath ?? "parity-report.json", ParityReportSha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(ReportPath))),
        };
        Assert.Null(draft.BindTo(context));
        AtomicFileWriter.Write(_f.Set.PromotionEvidencePath, draft.ToDocument());
    }

    private ParityReport PassingReport()
    {
        var path = Path.Combine(_f.Set.Directory, "journal.jsonl");
        _f.Shadow(path, 3000, new FakeRuntime());
        var report = ParityFixture.Measure(null, path);
        Assert.Equal(ParityStatus.Pass, report.Status);
        return report;
    }

    private GateVerdict Gate(Action<GateParameters>? change = null, TimeProvider? clock = null)
    {
        var p = _f.Set.Parameters();
        change?.Invoke(p);
        return GateVerdict.Evaluate(_f.Set.Context(p, clock));
    }

    private static ReadinessCheck ParityCheck(GateVerdict v) => Assert.Single(v.Promotion.Checks, c => c.Id == ParityReportCheck.Id);

    [Fact]
    public void Evidence_authored_from_a_passing_report_opens_the_gate()
    {
        AuthorEvidence(PassingReport());
        var verdict = Gate();
        Assert.True(verdict.GatePassed, verdict.Summary);
        var check = ParityCheck(verdict);
        Assert.True(check.Passed, check.Message);
        Assert.Equal("pass", check["report_status"]);
        Assert.Equal(2940L + 60, (long)check["sample_size"]!);
        // the check appears in the canonical JSON of the verdict, after go_parity_evidence
        var ids = verdict.Promotion.Checks.Select(c => c.Id).ToArray();
        Assert.Equal(new[] { "go_promotion_requested", "go_runtime_ready", "go_deployment_ready", "go_parity_evidence", ParityReportCheck.Id, "go_promotion_approval", "go_promotion_evidence_binding" }, ids);
        Assert.Contains("\"go_promotion_parity_report\"", CanonicalJsonWriter.Serialize(verdict));
    }

    [Fact]
    public void A_tampered_report_closes_the_gate()
    {
        AuthorEvidence(PassingReport());
        File.WriteAllText(ReportPath, File.ReadAllText(ReportPath).Replace("\"escapes\": 0", "\"escapes\": 0 "));
        AssertClosed(Gate(), ParityReportCheck.TamperedMessage);
    }

    [Fact]
    public void A_failing_report_closes_the_gate()
    {
        var path = Path.Combine(_f.Set.Directory, "journal.jsonl");
        _f.Shadow(path, 3000);
        var failing = ParityFixture.Measure(null, path);
        AuthorEvidence(failing);
        // parity_status fail already invalidates the evidence; the report check names why the measurement failed
        var verdict = Gate();
        AssertClosed(verdict, "the parity report's status is fail: 60 escapes");
    }

    [Fact]
    public void A_report_for_another_runtime_closes_the_gate()
    {
        AuthorEvidence(PassingReport());
        File.WriteAllText(_f.Set.RuntimePath, "#!/bin/sh\n# rebuilt\n");
        AssertClosed(Gate(), ParityReportCheck.DifferentRuntimeMessage);
    }

    [Fact]
    public void A_stale_report_closes_the_gate_and_the_age_is_configurable()
    {
        AuthorEvidence(PassingReport()); // window ended about 3 days before Now
        AssertClosed(Gate(p => p.ParityMaxAgeDays = 2), "the parity report is stale: its window ended 3 days ago");
        Assert.True(ParityCheck(Gate(p => p.ParityMaxAgeDays = 4)).Passed);
    }

    [Fact]
    public void A_missing_report_closes_the_gate()
    {
        AuthorEvidence(PassingReport());
        File.Delete(ReportPath);
        AssertClosed(Gate(), ParityReportCheck.MissingMessage);
    }

    [Fact]
    public void Without_a_report_the_gate_is_upstream_s_unless_one_is_required()
    {
        var plain = Gate();
        Assert.DoesNotContain(plain.Promotion.Checks, c => c.Id == ParityReportCheck.Id);
        Assert.True(plain.GatePassed, plain.Summary);
        AssertClosed(Gate(p => p.RequireParityReport = true), ParityReportCheck.NotNamedMessage);
        Assert.Equal(BackendMode.Promoted, GateConfig.Resolve(null, v => v == "CAVRA_GO_BACKEND_MODE" ? "promoted" : null).Mode);
        Assert.True(GateConfig.Resolve(null, v => v == "CAVRA_GO_REQUIRE_PARITY_REPORT" ? "TRUE" : null).RequireParityReport);
        Assert.Equal(30.0, GateConfig.Defaults.ParityMaxAgeDays);
    }

    private static void AssertClosed(GateVerdict verdict, string reason)
    {
        Assert.False(verdict.GatePassed);
        Assert.Equal(GateStep.Promotion, verdict.FailedStep);
        var check = Assert.Single(verdict.BlockingChecks, c => c.Id == ParityReportCheck.Id);
        Assert.Contains(reason, check.Message);
    }
}

/// <summary>An independent Clopper–Pearson upper bound: bisection on the binomial CDF summed term by term.</summary>
internal static class Independent
{
    public static double BinomialCdf(int x, int n, double p)
    {
        // log-space terms: ln C(n,k) + k ln p + (n-k) ln(1-p), C built up incrementally
        double logC = 0, sum = 0;
        for (int k = 0; k <= x; k++)
        {
            if (k > 0) logC += Math.Log(n - k + 1) - Math.Log(k);
            sum += Math.Exp(logC + k * Math.Log(p) + (n - k) * Math.Log(1 - p));
        }
        return sum;
    }

    public static double UpperBound(long x, long n, double confidence)
    {
        if (x == n) return 1;
        double alpha = 1 - confidence, lo = 0, hi = 1;
        for (int i = 0; i < 200; i++)
        {
            double mid = (lo + hi) / 2;
            if (BinomialCdf((int)x, (int)n, mid) > alpha) lo = mid; else hi = mid;
        }
        return (lo + hi) / 2;
    }
}
