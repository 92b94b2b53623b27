using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Parity;
using Cavra.Gate.Pilot;
using Cavra.Gate.Readiness;
using Cavra.Gate.Tests.Gate;
using Cavra.Gate.Tests.Pilot;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Parity;

/// <summary>
/// A shadow run over a complete evidence set: even actions are allowed and odd ones blocked by the built-in engine, and a
/// runtime double that disagrees on chosen actions, by index: 7 of every 50 answers allow for a block (an escape), 10
/// answers block for an allow (an over-block), 20 names another rule, 30 another severity, 40 fails (timeout).
/// </summary>
internal sealed class ParityFixture : IDisposable
{
    public readonly EvidenceSet Set = new();
    public readonly FakeTimeProvider Clock = new(EvidenceSet.Now.AddDays(-3));

    public ParityFixture()
    {
        // One policy for the pilot, the runtime double and the gate, so their hashes agree.
        File.Copy(Path.Combine(EvidenceSet.RepoRoot, "examples", "policy", "compiled_policy.json"), Set.PolicyPath, overwrite: true);
    }

    public void Dispose() => Set.Dispose();

    public static ActionRequest Action(int i) => new()
    {
        ActionType = "execute_command",
        Target = i % 2 == 0 ? $"custom scan --check {i}" : $"dangerous mutate --apply {i}",
    };

    public static int Index(ActionRequest r) => int.Parse(r.Target[(r.Target.LastIndexOf(' ') + 1)..]);

    /// <summary>What the disagreeing runtime does with action i (the test's own, independent account).</summary>
    public enum Kind { Match, Escape, OverBlock, Rule, Severity, Failure }

    public static Kind KindOf(int i) => (i % 50) switch
    {
        7 => Kind.Escape, 10 => Kind.OverBlock, 20 => Kind.Rule, 30 => Kind.Severity, 40 => Kind.Failure, _ => Kind.Match,
    };

    public FakeRuntime Disagreeing()
    {
        var engine = AuthoritativeEngine.Load(new InputFiles(), Set.PolicyPath, "", TimeProvider.System);
        return new FakeRuntime { Answer = request =>
        {
            var decision = engine.Evaluate(request);
            var text = decision.ToRuntimeJson();
            string Swap(string key, string from, string to) => text.Replace($"\"{key}\": \"{from}\"", $"\"{key}\": \"{to}\"");
            switch (KindOf(Index(request)))
            {
                case Kind.Escape: text = Swap("decision", decision.Verdict, "allow"); break;
                case Kind.OverBlock: text = Swap("decision", decision.Verdict, "block"); break;
                case Kind.Rule: text = Swap("rule_id", decision.RuleId, "other.rule"); break;
                case Kind.Severity: text = Swap("severity", decision.Severity, decision.Severity == "high" ? "low" : "high"); break;
                case Kind.Failure: return GoRuntimeAnswer.Failed("timed out after 5 seconds", TimeSpan.FromSeconds(5), "daemon");
            }
            return GoRuntimeAnswer.Answered((JsonObject)StrictJsonParser.Parse(text), TimeSpan.FromMilliseconds(1), "daemon");
        } };
    }

    public PilotEvaluator Pilot(IGoRuntime runtime, BackendMode mode = BackendMode.Shadow)
    {
        var p = Set.Parameters(mode);
        return new PilotEvaluator(new GateContext(GateConfig.Resolve(p, _ => null), new InputFiles(Set.Directory), Clock), runtime);
    }

    /// <summary>Shadows actions 0..count-1 into a journal, one second apart; returns the records.</summary>
    public List<EvaluationRecord> Shadow(string journalPath, int count, IGoRuntime? runtime = null, int from = 0)
    {
        var pilot = Pilot(runtime ?? Disagreeing());
        var records = new List<EvaluationRecord>();
        using var journal = new AuditJournal(journalPath, TimeSpan.FromMilliseconds(50), host: "host-a");
        for (int i = from; i < from + count; i++)
        {
            var r = pilot.Evaluate(Action(i));
            journal.Append(r);
            records.Add(r);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }
        return records;
    }

    public static ParityReport Measure(ParityCriteria? criteria, params string[] journals)
    {
        var tally = new ParityTally();
        var reader = new PilotJournalReader();
        foreach (var path in journals)
        {
            var file = new JournalFile(path);
            tally.AddJournal(file);
            foreach (var e in reader.Read(file)) tally.Add(e);
        }
        return ParityReport.Create(tally, criteria ?? new ParityCriteria(), EvidenceSet.Now);
    }

    public static List<JournalProblem> Problems(string path, out List<PilotJournalEntry> entries)
    {
        var problems = new List<JournalProblem>();
        var reader = new PilotJournalReader { Problem = problems.Add };
        entries = reader.Read(new JournalFile(path)).ToList();
        return problems;
    }
}
