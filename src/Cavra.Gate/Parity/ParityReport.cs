using System;
using System.Collections.Generic;
using System.Globalization;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Parity
{
    public enum ParityStatus { Pass, Fail }

    /// <summary>What a parity measurement must show to pass (Measure-CavraGoParity's parameters).</summary>
    public sealed class ParityCriteria : ICanonicalJson
    {
        public long MinimumSampleSize { get; set; } = 1000;
        public double MaxMismatchRate { get; set; } = 0.001;
        public double ConfidenceLevel { get; set; } = 0.95;
        public long MaxEscapes { get; set; }

        public void WriteJson(CanonicalJsonWriter w) => w.StartObject()
            .Property("minimum_sample_size", MinimumSampleSize)
            .Property("max_mismatch_rate", MaxMismatchRate)
            .Property("confidence_level", ConfidenceLevel)
            .Property("max_escapes", MaxEscapes)
            .EndObject();
    }

    /// <summary>One journal a report measured: identity, integrity, and which of its entries were counted.</summary>
    public sealed class ParityJournal : ICanonicalJson
    {
        public ParityJournal(string path, string journalId, string sha256, long lineCount, bool chainValid, long entries,
            DateTimeOffset? windowStart, DateTimeOffset? windowEnd)
        {
            Path = path; JournalId = journalId; Sha256 = sha256; LineCount = lineCount; ChainValid = chainValid; Entries = entries;
            WindowStart = windowStart; WindowEnd = windowEnd;
        }

        public string Path { get; }
        public string JournalId { get; }
        public string Sha256 { get; }
        public long LineCount { get; }
        public bool ChainValid { get; }
        /// <summary>Entries counted (inside the window).</summary>
        public long Entries { get; }
        public DateTimeOffset? WindowStart { get; }
        public DateTimeOffset? WindowEnd { get; }

        internal string Key => JournalId.Length > 0 ? JournalId : Path + "|" + Sha256;

        public void WriteJson(CanonicalJsonWriter w) => w.StartObject()
            .Property("path", Path)
            .Property("journal_id", JournalId)
            .Property("sha256", Sha256)
            .Property("line_count", LineCount)
            .Property("chain_valid", ChainValid)
            .Property("entries", Entries)
            .Property("window_start", WindowStart)
            .Property("window_end", WindowEnd)
            .EndObject();

        public override string ToString() => $"{Path} ({Entries} entries, chain {(ChainValid ? "valid" : "BROKEN")})";
    }

    /// <summary>
    /// The sums a parity report is made of. Everything in it adds up, so the tally of several journals, or of several
    /// reports merged, is exactly the tally of all their entries together (docs/design/measured-parity.md, "Merging").
    /// </summary>
    public sealed class ParityTally
    {
        private static readonly StringComparer Ordinal = StringComparer.Ordinal;

        public long Evaluations { get; private set; }
        public long SampleSize { get; private set; }
        public long Matched { get; private set; }
        public long Mismatched { get; private set; }
        public long DecisionMismatches { get; private set; }
        public long RuleIdMismatches { get; private set; }
        public long SeverityMismatches { get; private set; }
        public long GoFailures { get; private set; }
        public long Escapes { get; private set; }
        public long OverBlocks { get; private set; }
        public SortedDictionary<string, long> ByActionType { get; } = new SortedDictionary<string, long>(Ordinal);
        public SortedDictionary<string, long> ByRuleId { get; } = new SortedDictionary<string, long>(Ordinal);
        public SortedDictionary<string, long> RuntimeHashes { get; } = new SortedDictionary<string, long>(Ordinal);
        public SortedDictionary<string, long> PolicyHashes { get; } = new SortedDictionary<string, long>(Ordinal);
        public SortedSet<string> Hosts { get; } = new SortedSet<string>(Ordinal);
        public DateTimeOffset? WindowStart { get; private set; }
        public DateTimeOffset? WindowEnd { get; private set; }
        private readonly List<ParityJournal> _journals = new List<ParityJournal>();
        public IReadOnlyList<ParityJournal> Journals => _journals;
        /// <summary>Why the inputs cannot be summed honestly (the same entries counted twice).</summary>
        public List<string> Conflicts { get; } = new List<string>();

        /// <summary>Strictness order of decisions: allow &lt; require_approval &lt; block. Anything else ranks below allow,
        /// so an unknown Go decision counts as an escape (fails closed).</summary>
        public static int Strictness(string decision)
        {
            switch (decision)
            {
                case Decisions.Decision.Allow: return 0;
                case Decisions.Decision.RequireApproval: return 1;
                case Decisions.Decision.Block: return 2;
                default: return -1;
            }
        }

        [System.Runtime.CompilerServices.MethodImpl((System.Runtime.CompilerServices.MethodImplOptions)512)] // per entry: optimised at once
        public void Add(PilotJournalEntry entry)
        {
            if (entry == null) throw new ArgumentNullException(nameof(entry));
            Track(entry);
            Evaluations++;
            Widen(entry.EvaluatedAt, entry.EvaluatedAt);
            if (entry.Host.Length > 0) Hosts.Add(entry.Host);
            if (entry.GoFailure.Length > 0)
            {
                GoFailures++;
                Count(RuntimeHashes, entry.RuntimeSha256, 1);
                Count(PolicyHashes, entry.PolicySha256, 1);
                return;
            }
            var go = entry.GoDecision;
            if (go == null) return; // Go was not called (disabled, readiness failed): not a sample
            var dotnet = entry.DotnetDecision;
            SampleSize++;
            Count(RuntimeHashes, entry.RuntimeSha256, 1);
            Count(PolicyHashes, entry.PolicySha256, 1);
            Count(ByActionType, entry.ActionType, 1);
            Count(ByRuleId, dotnet.RuleId, 1);
            bool decision = go.Decision != dotnet.Decision, rule = go.RuleId != dotnet.RuleId, severity = go.Severity != dotnet.Severity;
            if (!decision && !rule && !severity) { Matched++; return; }
            Mismatched++;
            if (decision) DecisionMismatches++;
            if (rule) RuleIdMismatches++;
            if (severity) SeverityMismatches++;
            if (decision)
            {
                if (Strictness(go.Decision) < Strictness(dotnet.Decision)) Escapes++;
                else OverBlocks++;
            }
        }

        private sealed class OpenJournal
        {
            public long Entries;
            public DateTimeOffset? Start, End;
        }

        // Journals whose entries are being counted; their chain verdict is final only once the reader reached their end.
        private readonly Dictionary<JournalFile, OpenJournal> _open = new Dictionary<JournalFile, OpenJournal>();
        private readonly List<JournalFile> _openOrder = new List<JournalFile>();

        /// <summary>Names a journal as a source even if none of its entries is counted (e.g. all outside the window).</summary>
        public void AddJournal(JournalFile file)
        {
            if (file == null) throw new ArgumentNullException(nameof(file));
            if (_open.ContainsKey(file)) return;
            _open[file] = new OpenJournal();
            _openOrder.Add(file);
        }

        private void Track(PilotJournalEntry entry)
        {
            AddJournal(entry.Journal);
            var open = _open[entry.Journal];
            open.Entries++;
            open.Start = Min(open.Start, entry.EvaluatedAt);
            open.End = Max(open.End, entry.EvaluatedAt);
        }

        /// <summary>Turns the journals read into report sources; a journal not read to its end counts as unverified.</summary>
        internal void CloseJournals()
        {
            foreach (var file in _openOrder)
            {
                var open = _open[file];
                AddJournal(new ParityJournal(file.Path, file.JournalId, file.Sha256, file.Lines, file.ChainValid && file.Complete,
                    open.Entries, open.Start, open.End));
            }
            _open.Clear();
            _openOrder.Clear();
        }

        private void AddJournal(ParityJournal journal)
        {
            int i = _journals.FindIndex(j => j.Key == journal.Key);
            if (i < 0) { _journals.Add(journal); return; }
            // The same journal measured again (e.g. halves split with -Until/-Since): fine when the measured windows are
            // disjoint, since a window is an interval of time and shared entries would fall in both.
            var earlier = _journals[i];
            if (earlier.Entries > 0 && journal.Entries > 0 && earlier.WindowStart <= journal.WindowEnd && journal.WindowStart <= earlier.WindowEnd)
                Conflicts.Add($"journal {journal.Path} ({journal.JournalId}) is counted twice: two of the merged reports measured overlapping windows of it");
            var later = journal.LineCount >= earlier.LineCount ? journal : earlier;
            _journals[i] = new ParityJournal(later.Path, later.JournalId, later.Sha256, later.LineCount, earlier.ChainValid && journal.ChainValid,
                earlier.Entries + journal.Entries, Min(earlier.WindowStart, journal.WindowStart), Max(earlier.WindowEnd, journal.WindowEnd));
        }

        /// <summary>Adds an earlier report's sums (its criteria and verdict are not carried over: they are recomputed).</summary>
        public void Merge(ParityReport report)
        {
            if (report == null) throw new ArgumentNullException(nameof(report));
            var t = report.Tally;
            Evaluations += t.Evaluations; SampleSize += t.SampleSize; Matched += t.Matched; Mismatched += t.Mismatched;
            DecisionMismatches += t.DecisionMismatches; RuleIdMismatches += t.RuleIdMismatches; SeverityMismatches += t.SeverityMismatches;
            GoFailures += t.GoFailures; Escapes += t.Escapes; OverBlocks += t.OverBlocks;
            foreach (var kv in t.ByActionType) Count(ByActionType, kv.Key, kv.Value);
            foreach (var kv in t.ByRuleId) Count(ByRuleId, kv.Key, kv.Value);
            foreach (var kv in t.RuntimeHashes) Count(RuntimeHashes, kv.Key, kv.Value);
            foreach (var kv in t.PolicyHashes) Count(PolicyHashes, kv.Key, kv.Value);
            foreach (var h in t.Hosts) Hosts.Add(h);
            if (t.WindowStart.HasValue) Widen(t.WindowStart.Value, t.WindowEnd ?? t.WindowStart.Value);
            foreach (var j in t.Journals) AddJournal(j);
            Conflicts.AddRange(t.Conflicts);
        }

        internal void SetCounts(long evaluations, long sample, long matched, long mismatched, long decision, long rule, long severity,
            long goFailures, long escapes, long overBlocks, DateTimeOffset? start, DateTimeOffset? end, IEnumerable<ParityJournal> journals)
        {
            Evaluations = evaluations; SampleSize = sample; Matched = matched; Mismatched = mismatched; DecisionMismatches = decision;
            RuleIdMismatches = rule; SeverityMismatches = severity; GoFailures = goFailures; Escapes = escapes; OverBlocks = overBlocks;
            WindowStart = start; WindowEnd = end;
            _journals.AddRange(journals);
        }

        private void Widen(DateTimeOffset start, DateTimeOffset end)
        {
            WindowStart = Min(WindowStart, start);
            WindowEnd = Max(WindowEnd, end);
        }

        private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => !a.HasValue ? b : !b.HasValue ? a : (a.Value <= b.Value ? a : b);
        private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => !a.HasValue ? b : !b.HasValue ? a : (a.Value >= b.Value ? a : b);

        private static void Count(SortedDictionary<string, long> map, string key, long by)
        {
            map.TryGetValue(key ?? "", out long n);
            map[key ?? ""] = n + by;
        }
    }

    /// <summary>
    /// <c>cavra.powershell.go-parity-report.v1</c>: how often the Go runtime agreed with the authoritative built-in engine
    /// over the shadow journals measured, sized by an exact confidence bound, bound to the runtime and policy it measured
    /// (docs/design/measured-parity.md, "Parity report"). Status is pass only when every criterion holds.
    /// </summary>
    public sealed class ParityReport : ICanonicalJson
    {
        public const string Schema = "cavra.powershell.go-parity-report.v1";

        private ParityReport(ParityTally tally, ParityCriteria criteria, DateTimeOffset generatedAt)
        {
            Tally = tally;
            Criteria = criteria;
            GeneratedAt = generatedAt;
            MismatchRate = tally.SampleSize == 0 ? 0.0 : (double)tally.Mismatched / tally.SampleSize;
            MismatchRateUpperBound = ClopperPearson.UpperBound(tally.Mismatched, tally.SampleSize, criteria.ConfidenceLevel);
            RuntimeSha256 = Single(tally.RuntimeHashes);
            PolicySha256 = Single(tally.PolicyHashes);
            Reasons = Judge();
            Status = Reasons.Count == 0 ? ParityStatus.Pass : ParityStatus.Fail;
        }

        public ParityTally Tally { get; }
        public ParityCriteria Criteria { get; }
        public ParityStatus Status { get; }
        public IReadOnlyList<string> Reasons { get; }
        public long Evaluations => Tally.Evaluations;
        public long SampleSize => Tally.SampleSize;
        public long Matched => Tally.Matched;
        public long Mismatched => Tally.Mismatched;
        public long GoFailures => Tally.GoFailures;
        /// <summary>Evaluations where Go was not called (disabled, or readiness failed first).</summary>
        public long NotCompared => Tally.Evaluations - Tally.SampleSize - Tally.GoFailures;
        public double MismatchRate { get; }
        public double MismatchRateUpperBound { get; }
        public long Escapes => Tally.Escapes;
        public long OverBlocks => Tally.OverBlocks;
        public DateTimeOffset? WindowStart => Tally.WindowStart;
        public DateTimeOffset? WindowEnd => Tally.WindowEnd;
        public IReadOnlyCollection<string> Hosts => Tally.Hosts;
        /// <summary>The one runtime hash the sample was measured with; "" when none or several.</summary>
        public string RuntimeSha256 { get; }
        public string PolicySha256 { get; }
        public IReadOnlyList<ParityJournal> Journals => Tally.Journals;
        public DateTimeOffset GeneratedAt { get; }

        public static ParityReport Create(ParityTally tally, ParityCriteria criteria, DateTimeOffset generatedAt)
        {
            if (tally == null) throw new ArgumentNullException(nameof(tally));
            if (criteria == null) throw new ArgumentNullException(nameof(criteria));
            tally.CloseJournals();
            return new ParityReport(tally, criteria, generatedAt);
        }

        private List<string> Judge()
        {
            var reasons = new List<string>();
            var c = Criteria;
            var t = Tally;
            if (t.SampleSize < c.MinimumSampleSize)
                reasons.Add($"sample size {t.SampleSize} is below the minimum of {c.MinimumSampleSize}");
            if (t.Escapes > c.MaxEscapes)
                reasons.Add($"{t.Escapes} escapes (Go less strict than the built-in decision) exceed the maximum of {c.MaxEscapes}");
            if (MismatchRateUpperBound > c.MaxMismatchRate)
                reasons.Add(string.Format(CultureInfo.InvariantCulture,
                    "mismatch rate upper bound {0} at {1} % confidence exceeds the maximum of {2} ({3} mismatches in {4} samples)",
                    PythonFloat.Repr(MismatchRateUpperBound), PythonFloat.Repr(c.ConfidenceLevel * 100), PythonFloat.Repr(c.MaxMismatchRate),
                    t.Mismatched, t.SampleSize));
            if (t.Journals.Count == 0) reasons.Add("no journal was measured");
            foreach (var j in t.Journals)
                if (!j.ChainValid) reasons.Add($"journal {j.Path} failed verification: its hash chain is broken or unreadable");
            Binding(reasons, t.RuntimeHashes, "runtime binaries", "runtime binary");
            Binding(reasons, t.PolicyHashes, "compiled policies", "compiled policy");
            reasons.AddRange(t.Conflicts);
            return reasons;
        }

        private static void Binding(List<string> reasons, SortedDictionary<string, long> hashes, string plural, string singular)
        {
            if (hashes.Count > 1)
            {
                var parts = new List<string>();
                foreach (var kv in hashes) parts.Add($"{(kv.Key.Length == 0 ? "(none)" : kv.Key)} ({kv.Value})");
                reasons.Add($"the sample mixes {plural}: {string.Join(", ", parts)}");
            }
            else if (hashes.Count == 1 && hashes.ContainsKey(""))
                reasons.Add($"the sample does not record the {singular}'s SHA-256 (it was not configured or not readable)");
        }

        private static string Single(SortedDictionary<string, long> hashes)
        {
            if (hashes.Count != 1) return "";
            foreach (var k in hashes.Keys) return k;
            return "";
        }

        public void WriteJson(CanonicalJsonWriter w)
        {
            var t = Tally;
            w.StartObject()
                .Property("schema_version", Schema)
                .Property("status", Status)
                .Property("reasons", Reasons)
                .Property("criteria", Criteria)
                .Property("evaluations", t.Evaluations)
                .Property("sample_size", t.SampleSize)
                .Property("matched", t.Matched)
                .Property("mismatched", t.Mismatched)
                .Name("mismatches_by_field").StartObject()
                    .Property("decision", t.DecisionMismatches)
                    .Property("rule_id", t.RuleIdMismatches)
                    .Property("severity", t.SeverityMismatches)
                .EndObject()
                .Property("go_failures", t.GoFailures)
                .Property("not_compared", NotCompared)
                .Property("mismatch_rate", MismatchRate)
                .Property("mismatch_rate_upper_bound", MismatchRateUpperBound)
                .Property("escapes", t.Escapes)
                .Property("over_blocks", t.OverBlocks)
                .Name("coverage").StartObject()
                    .Property("by_action_type", Counts(t.ByActionType))
                    .Property("by_rule_id", Counts(t.ByRuleId))
                .EndObject()
                .Property("window_start", t.WindowStart)
                .Property("window_end", t.WindowEnd)
                .Property("hosts", new List<string>(t.Hosts))
                .Property("runtime_sha256", RuntimeSha256)
                .Property("policy_sha256", PolicySha256)
                .Property("runtime_sha256_counts", Counts(t.RuntimeHashes))
                .Property("policy_sha256_counts", Counts(t.PolicyHashes))
                .Property("journals", Journals)
                .Property("generated_at", GeneratedAt)
                .EndObject();
        }

        private static List<KeyValuePair<string, object?>> Counts(SortedDictionary<string, long> map)
        {
            var list = new List<KeyValuePair<string, object?>>(map.Count);
            foreach (var kv in map) list.Add(new KeyValuePair<string, object?>(kv.Key, kv.Value));
            return list;
        }

        public string ToJson(bool indented = true) => CanonicalJsonWriter.Serialize(this, indented);

        /// <summary>The report as compact canonical JSON: how a report crosses Start-Job, remoting or Export-Clixml intact,
        /// so Measure-CavraGoParity can merge a deserialized report exactly.</summary>
        public string Document => ToJson(indented: false);

        /// <summary>Reads a report file (Measure-CavraGoParity -OutFile) and its SHA-256 through the engine's strict reader.</summary>
        public static bool TryRead(InputFiles files, string path, out ParityReport report, out string sha256, out string error)
        {
            if (files == null) throw new ArgumentNullException(nameof(files));
            report = null!;
            sha256 = files.Sha256(path) ?? "";
            var document = files.ReadObject(path);
            if (!document.Valid || sha256.Length == 0) { error = document.Valid ? "the file cannot be read" : document.Message; return false; }
            return TryParse(document.Payload, out report, out error);
        }

        /// <summary>
        /// Reads a report document (a -ReportPath file, or a report that crossed a job or remoting boundary as JSON) back
        /// into its sums. Strict: every count must be a non-negative integer, so a report cannot smuggle fractions or
        /// negative numbers into a merge.
        /// </summary>
        public static bool TryParse(JsonObject o, out ParityReport report, out string error)
        {
            report = null!;
            try
            {
                report = Parse(o);
                error = "";
                return true;
            }
            catch (FormatException ex)
            {
                error = ex.Message;
                return false;
            }
        }

        private static ParityReport Parse(JsonObject o)
        {
            if (Text(o, "schema_version") != Schema) throw new FormatException($"schema_version is not {Schema}");
            var criteria = Object(o, "criteria");
            var c = new ParityCriteria
            {
                MinimumSampleSize = Count(criteria, "minimum_sample_size"),
                MaxMismatchRate = Number(criteria, "max_mismatch_rate"),
                ConfidenceLevel = Number(criteria, "confidence_level"),
                MaxEscapes = Count(criteria, "max_escapes"),
            };
            if (!(c.ConfidenceLevel > 0 && c.ConfidenceLevel < 1)) throw new FormatException("criteria.confidence_level must be between 0 and 1");
            var t = new ParityTally();
            var byField = Object(o, "mismatches_by_field");
            var journals = new List<ParityJournal>();
            if (!(o.Get("journals") is JsonArray list)) throw new FormatException("journals must be a list");
            foreach (var item in list.Items)
            {
                if (!(item is JsonObject j)) throw new FormatException("journals[] must hold objects");
                journals.Add(new ParityJournal(Text(j, "path"), Text(j, "journal_id"), Text(j, "sha256"), Count(j, "line_count"),
                    Bool(j, "chain_valid"), Count(j, "entries"), Time(j, "window_start"), Time(j, "window_end")));
            }
            long sample = Count(o, "sample_size"), matched = Count(o, "matched"), mismatched = Count(o, "mismatched");
            if (matched + mismatched != sample) throw new FormatException("matched + mismatched must equal sample_size");
            t.SetCounts(Count(o, "evaluations"), sample, matched, mismatched, Count(byField, "decision"), Count(byField, "rule_id"),
                Count(byField, "severity"), Count(o, "go_failures"), Count(o, "escapes"), Count(o, "over_blocks"),
                Time(o, "window_start"), Time(o, "window_end"), journals);
            var coverage = Object(o, "coverage");
            Map(Object(coverage, "by_action_type"), t.ByActionType);
            Map(Object(coverage, "by_rule_id"), t.ByRuleId);
            Map(Object(o, "runtime_sha256_counts"), t.RuntimeHashes);
            Map(Object(o, "policy_sha256_counts"), t.PolicyHashes);
            if (!(o.Get("hosts") is JsonArray hosts)) throw new FormatException("hosts must be a list");
            foreach (var h in hosts.Items)
            {
                if (!(h is JsonString s)) throw new FormatException("hosts[] must be strings");
                t.Hosts.Add(s.Value);
            }
            if (!(o.Get("reasons") is JsonArray reasons)) throw new FormatException("reasons must be a list");
            foreach (var r in reasons.Items)
                if (r is JsonString s && s.Value.Contains("is counted twice")) t.Conflicts.Add(s.Value);
            var generated = Time(o, "generated_at") ?? throw new FormatException("generated_at must be a timestamp");
            return new ParityReport(t, c, generated);
        }

        private static JsonObject Object(JsonObject o, string key) =>
            o.Get(key) as JsonObject ?? throw new FormatException($"{key} must be an object");

        private static string Text(JsonObject o, string key) =>
            o.Get(key) is JsonString s ? s.Value : throw new FormatException($"{key} must be a string");

        private static bool Bool(JsonObject o, string key) =>
            o.Get(key) is JsonBoolean b ? b.Value : throw new FormatException($"{key} must be true or false");

        private static double Number(JsonObject o, string key) =>
            o.Get(key) is JsonNumber n && !double.IsNaN(n.Value) && !double.IsInfinity(n.Value) ? n.Value : throw new FormatException($"{key} must be a number");

        private static long Count(JsonObject o, string key)
        {
            if (o.Get(key) is JsonNumber n && n.IsInteger && n.Value >= 0 && n.Value <= 9e15) return (long)n.Value;
            throw new FormatException($"{key} must be a non-negative integer");
        }

        private static DateTimeOffset? Time(JsonObject o, string key)
        {
            var v = o.Get(key);
            if (v is JsonNull) return null;
            if (v is JsonString s && IsoTimestamp.TryParse(s.Value, out var at)) return at;
            throw new FormatException($"{key} must be a timestamp or null");
        }

        private static void Map(JsonObject o, SortedDictionary<string, long> into)
        {
            foreach (var m in o.Members)
            {
                if (!(m.Value is JsonNumber n && n.IsInteger && n.Value >= 0)) throw new FormatException($"count '{m.Key}' must be a non-negative integer");
                into[m.Key] = (long)n.Value;
            }
        }
    }
}
