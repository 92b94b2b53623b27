using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.IO;
using Cavra.Gate.Serialization;

namespace Cavra.Gate.Readiness
{
    /// <summary>A check either passes or warns; upstream has no "fail" (docs/design/readiness.md §1). A failed gate check is a
    /// <see cref="Warn"/> check in a <see cref="ReportStatus.NeedsAttention"/> report.</summary>
    public enum CheckStatus { Pass, Warn }

    /// <summary>How a check reads to people (console, HTML, Pester), never in JSON: a warn check that makes its report
    /// need attention blocks and reads FAIL; an advisory warn check stays WARN (docs/design/admin-views.md).</summary>
    public enum CheckOutcome { Pass, Warn, Fail }

    /// <summary>Report statuses, written snake_case (needs_attention, not_configured, ...).</summary>
    public enum ReportStatus { Ready, NeedsAttention, Disabled, NotConfigured, NotRequested, DueSoon }

    /// <summary>
    /// One check record, the same in every report (upstream <c>_check</c>): id, status, message, then the
    /// check's extras in upstream's order (docs/design/readiness.md §1). A failed check is data, never an error.
    /// </summary>
    public sealed class ReadinessCheck : ICanonicalJson
    {
        public ReadinessCheck(string id, bool passed, string message, params (string Key, object? Value)[] extras)
            : this(id, passed, advisory: false, message, extras) { }

        /// <param name="advisory">A warn that only informs: it reads WARN and leaves its report's status alone.</param>
        public ReadinessCheck(string id, bool passed, bool advisory, string message, params (string Key, object? Value)[] extras)
        {
            Id = id;
            Advisory = advisory;
            Status = passed ? CheckStatus.Pass : CheckStatus.Warn;
            Message = message;
            var fields = new OrderedDictionary(extras.Length);
            // Enum extras are kept in their JSON form ("needs_attention"), so a check received from a job or remoting
            // holds the same text as the live one.
            foreach (var (key, value) in extras) fields[key] = value is Enum e ? CanonicalName.Of(e) : ExtraList<object>.Wrap(value);
            Extras = fields.AsReadOnly();
        }

        public string Id { get; }
        public CheckStatus Status { get; }
        public bool Passed => Status == CheckStatus.Pass;
        /// <summary>A failing advisory check warns without making its report need attention.</summary>
        public bool Advisory { get; }
        /// <summary>The check fails and makes its report need attention.</summary>
        public bool Blocking => !Passed && !Advisory;
        /// <summary>PASS, WARN (advisory) or FAIL (blocking), for people; JSON keeps upstream's pass/warn.</summary>
        public CheckOutcome Outcome => Passed ? CheckOutcome.Pass : Advisory ? CheckOutcome.Warn : CheckOutcome.Fail;
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

        /// <summary>The file the check read (its "path" extra), or "" when it reads none or none is configured.</summary>
        public string Path => this["path"] as string ?? "";

        /// <summary>The message people read: <see cref="Message"/> and the file it is about, relative when under
        /// <paramref name="currentDirectory"/> ("metadata file is missing: evidence/rehearsal.json").</summary>
        public string MessageFor(string? currentDirectory) => MessageWithPath(Message, Path, currentDirectory);

        /// <summary><see cref="MessageFor"/> over plain values, for checks received from jobs, remoting or Import-Clixml.</summary>
        public static string MessageWithPath(string? message, string? path, string? currentDirectory)
        {
            message ??= "";
            if (string.IsNullOrEmpty(path)) return message;
            string shown = RelativePath(path!, currentDirectory);
            if (message.IndexOf(path!, StringComparison.Ordinal) >= 0 || message.IndexOf(shown, StringComparison.Ordinal) >= 0) return message;
            return message.Length == 0 ? shown : message.TrimEnd('.') + ": " + shown;
        }

        /// <summary><paramref name="path"/> relative to <paramref name="currentDirectory"/> when it lies under it, else as given.</summary>
        public static string RelativePath(string path, string? currentDirectory)
        {
            if (string.IsNullOrEmpty(currentDirectory) || !System.IO.Path.IsPathRooted(path)) return path;
            var comparison = System.IO.Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            string root = currentDirectory!.TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar) + System.IO.Path.DirectorySeparatorChar;
            return path.Length > root.Length && path.StartsWith(root, comparison) ? path.Substring(root.Length) : path;
        }

        public override string ToString() => $"{Id}: {Outcome.ToString().ToUpperInvariant()} - {MessageFor(null)}";
    }

    /// <summary>A list-valued check extra (targets, channels, evidence refs): still the same typed read-only list, written
    /// to JSON as an array, but printed as its items ("a, b") instead of a generic collection's type name.</summary>
    public sealed class ExtraList<T> : System.Collections.ObjectModel.ReadOnlyCollection<T>
    {
        public ExtraList(IEnumerable<T> items) : base(new List<T>(items)) { }

        public override string ToString()
        {
            var parts = new List<string>(Count);
            foreach (var item in this) parts.Add(item is Enum e ? CanonicalName.Of(e) : Convert.ToString(item, System.Globalization.CultureInfo.InvariantCulture) ?? "");
            return string.Join(", ", parts);
        }

        /// <summary>Wraps <paramref name="value"/> when it is a typed list (IEnumerable&lt;T&gt;), else returns it unchanged.</summary>
        internal static object? Wrap(object? value)
        {
            if (value == null || value is string || value is IDictionary || value is Json.JsonValue) return value;
            foreach (var type in value.GetType().GetInterfaces())
                if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>))
                    return Activator.CreateInstance(typeof(ExtraList<>).MakeGenericType(type.GetGenericArguments()[0]), value);
            return value;
        }
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

        /// <summary>The checks that make this report need attention (advisory warnings are not among them).</summary>
        public IEnumerable<ReadinessCheck> FailingChecks
        {
            get { foreach (var c in Checks) if (c.Blocking) yield return c; }
        }

        public abstract void WriteJson(CanonicalJsonWriter writer);

        /// <summary>"promotion: needs_attention (go_parity_evidence, ...)": what a nested report shows in Format-List.</summary>
        public override string ToString()
        {
            var failing = new List<string>();
            foreach (var c in Checks) if (!c.Passed) failing.Add(c.Id);
            return failing.Count == 0 ? $"{Section}: {CanonicalName.Of(Status)}" : $"{Section}: {CanonicalName.Of(Status)} ({string.Join(", ", failing)})";
        }

        public string ToJson() => CanonicalJsonWriter.Serialize(this);

        /// <summary>The shared status rule: not requested, else ready when every check passes, else needs_attention.</summary>
        protected static ReportStatus RequestedStatus(bool requested, IReadOnlyList<ReadinessCheck> checks)
        {
            if (!requested) return ReportStatus.NotRequested;
            foreach (var c in checks) if (c.Blocking) return ReportStatus.NeedsAttention;
            return ReportStatus.Ready;
        }
    }
}
