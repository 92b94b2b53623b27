using System.Collections.Generic;
using System.Collections.Specialized;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>A check either passes or warns; upstream has no "fail" (docs/design/readiness.md §1). A failed gate check is a
    /// <see cref="Warn"/> check in a <see cref="ReportStatus.NeedsAttention"/> report.</summary>
    public enum CheckStatus { Pass, Warn }

    /// <summary>Report statuses, written snake_case (needs_attention, not_configured, ...).</summary>
    public enum ReportStatus { Ready, NeedsAttention, Disabled, NotConfigured, NotRequested, DueSoon }

    /// <summary>
    /// One check record, the same in every report (upstream <c>_check</c>): id, status, message, then the
    /// check's extras in upstream's order (docs/design/readiness.md §1). A failed check is data, never an error.
    /// </summary>
    public sealed class ReadinessCheck : ICanonicalJson
    {
        public ReadinessCheck(string id, bool passed, string message, params (string Key, object? Value)[] extras)
        {
            Id = id;
            Status = passed ? CheckStatus.Pass : CheckStatus.Warn;
            Message = message;
            var fields = new OrderedDictionary(extras.Length);
            foreach (var (key, value) in extras) fields[key] = value;
            Extras = fields.AsReadOnly();
        }

        public string Id { get; }
        public CheckStatus Status { get; }
        public bool Passed => Status == CheckStatus.Pass;
        public string Message { get; }
        /// <summary>The check's extra fields (path, mode, approval_id, ...) by their snake_case names, in upstream's order.</summary>
        public OrderedDictionary Extras { get; }

        public object? this[string extra] => Extras.Contains(extra) ? Extras[extra] : null;

        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject().Property("id", Id).Property("status", Status).Property("message", Message);
            foreach (System.Collections.DictionaryEntry e in Extras) w.Property((string)e.Key, e.Value);
            w.EndObject();
        }

        public override string ToString() => $"{Id}: {CanonicalName.Of(Status)} - {Message}";
    }

    /// <summary>What every readiness report has; each report adds its own sections and writes its exact key order.</summary>
    public abstract class ReadinessReport : ICanonicalJson
    {
        protected ReadinessReport(string schemaVersion, string section, Configuration.BackendMode mode, ReportStatus status,
            IReadOnlyList<ReadinessCheck> checks, IReadOnlyList<string> operatorNotes)
        {
            SchemaVersion = schemaVersion; Section = section; Mode = mode; Status = status; Checks = checks; OperatorNotes = operatorNotes;
        }

        public string SchemaVersion { get; }
        /// <summary>Short section name used by the verdict and production readiness (runtime, deployment, promotion, ...).</summary>
        public string Section { get; }
        public Configuration.BackendMode Mode { get; }
        public ReportStatus Status { get; }
        public IReadOnlyList<ReadinessCheck> Checks { get; }
        public IReadOnlyList<string> OperatorNotes { get; }

        public IEnumerable<ReadinessCheck> FailingChecks
        {
            get { foreach (var c in Checks) if (!c.Passed) yield return c; }
        }

        public abstract void WriteJson(CanonicalJsonWriter writer);

        public string ToJson() => CanonicalJsonWriter.Serialize(this);

        /// <summary>The shared status rule: not requested, else ready when every check passes, else needs_attention.</summary>
        protected static ReportStatus RequestedStatus(bool requested, IReadOnlyList<ReadinessCheck> checks)
        {
            if (!requested) return ReportStatus.NotRequested;
            foreach (var c in checks) if (!c.Passed) return ReportStatus.NeedsAttention;
            return ReportStatus.Ready;
        }
    }
}
