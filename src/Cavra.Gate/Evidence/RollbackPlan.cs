using System;
using System.Collections.Generic;
using System.Globalization;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Evidence
{
    /// <summary>
    /// Upstream <c>_rollback_plan_summary(path)</c> (docs/design/evidence.md §3): the documented path back to the built-in .NET backend
    /// that promoted mode requires. Stricter than upstream (docs/design/README.md §4.1): <c>controls</c> must really be a list of strings
    /// (upstream crashes on null or a number and iterates a string's characters), a present field of the wrong type makes
    /// the plan invalid with a message naming it, and null is never a non-empty string. The control
    /// <c>python-fallback-available</c> is also satisfied by <c>dotnet-fallback-available</c> (docs/design/README.md §3.2).
    /// </summary>
    public sealed class RollbackPlan : ICanonicalJson
    {
        /// <summary>The summary's message texts (pass and failure wording).</summary>
        public static class Texts
        {
            public const string Success = "Rollback plan is ready for promoted Go backend pilots.";
            public const string Approved = "Rollback approval is recorded.";
            public const string NotApproved = "rollback plan must be approved";
            public const string MissingApproval = "rollback plan is missing or invalid";
            public const string TargetMode = "Rollback returns CAVRA to the built-in .NET backend only (CAVRA_GO_BACKEND_MODE=disabled).";
            public const string BadTargetMode = "rollback plan must set target_mode=disabled";
            public const string ControlsComplete = "Rollback controls are complete.";
            public const string ControlsMissing = "rollback plan controls are missing";
            public const string ControlsMissingPrefix = "rollback plan is missing controls: ";
            public const string ControlsShape = "rollback plan controls must be a list of strings";
        }

        public const string Schema = "cavra.go-backend-rollback-plan.v1";

        /// <summary>The fallback control under this project's name; upstream's <c>python-fallback-available</c> also satisfies it.</summary>
        public const string FallbackControl = "dotnet-fallback-available";
        public const string UpstreamFallbackControl = "python-fallback-available";

        /// <summary>The five required controls as reported when missing, in code-point order.</summary>
        public static readonly IReadOnlyList<string> RequiredControls = EvidenceFields.UniqueSorted(new[]
        {
            FallbackControl, "promoted-mode-disable-tested", "rollback-approval-recorded", "operator-runbook-linked", "evidence-capture-enabled",
        });

        private RollbackPlan(bool valid, bool approved, bool controlsValid, string schemaVersion, string approvalId, string targetMode,
            string message, string approvalMessage, string targetModeMessage, string controlsMessage, IReadOnlyList<string> missingControls,
            IReadOnlyList<string> evidenceRefs, IReadOnlyList<string> rollbackSteps, object? maxRecoveryMinutes)
        {
            Valid = valid; Approved = approved; ControlsValid = controlsValid; SchemaVersion = schemaVersion; ApprovalId = approvalId;
            TargetMode = targetMode; Message = message; ApprovalMessage = approvalMessage; TargetModeMessage = targetModeMessage;
            ControlsMessage = controlsMessage; MissingControls = missingControls; EvidenceRefs = evidenceRefs; RollbackSteps = rollbackSteps;
            MaxRecoveryMinutesNumber = maxRecoveryMinutes;
        }

        public bool Valid { get; }
        /// <summary>Approval is reported separately; it is not part of <see cref="Valid"/> (as upstream).</summary>
        public bool Approved { get; }
        public bool ControlsValid { get; }
        public string SchemaVersion { get; }
        public string ApprovalId { get; }
        public string TargetMode { get; }
        public string Message { get; }
        /// <summary>What Format-List and string expansion show: the validation message, not the type name.</summary>
        public override string ToString() => Message;
        public string ApprovalMessage { get; }
        public string TargetModeMessage { get; }
        public string ControlsMessage { get; }
        public IReadOnlyList<string> MissingControls { get; }
        public IReadOnlyList<string> EvidenceRefs { get; }
        public IReadOnlyList<string> RollbackSteps { get; }
        public double? MaxRecoveryMinutes => EvidenceShape.ToDouble(MaxRecoveryMinutesNumber);
        /// <summary>The plan's limit as written (long for an integer token, double otherwise), or null; keeps 15 apart from 15.0 in JSON.</summary>
        internal object? MaxRecoveryMinutesNumber { get; }

        /// <summary>Reads and validates the plan at <paramref name="path"/> ("" means not configured).</summary>
        public static RollbackPlan Read(InputFiles files, string path)
        {
            if (files == null) throw new ArgumentNullException(nameof(files));
            return FromDocument(files.ReadObject(path));
        }

        /// <summary>Validates an already read (or in-memory) document.</summary>
        public static RollbackPlan FromDocument(JsonFileCheck document)
        {
            if (document == null) throw new ArgumentNullException(nameof(document));
            if (!document.Valid)
                return new RollbackPlan(false, false, false, "", "", "", document.Message, Texts.MissingApproval, Texts.BadTargetMode,
                    Texts.ControlsMissing, RequiredControls, Array.Empty<string>(), Array.Empty<string>(), null);

            var o = document.Payload;
            var shape = new EvidenceShape("rollback plan");
            var problems = new List<string>();

            string schema = EvidenceFields.Text(o, "schema_version");
            string status = EvidenceFields.Text(o, "status");
            bool stepsValid = EvidenceFields.StringList(o, "rollback_steps", out var steps) && steps.Count > 0;
            if (!stepsValid) steps = Array.Empty<string>();
            bool refsValid = EvidenceFields.StringList(o, "evidence_refs", out var refs);
            var maxRecovery = EvidenceFields.PositiveNumber(o.Get("max_recovery_minutes"));
            if (schema != Schema) problems.Add("rollback plan has an invalid schema_version");
            if (status != "ready") problems.Add("rollback plan must record status=ready");
            if (!stepsValid) problems.Add("rollback plan must include rollback_steps as a non-empty list of strings");
            if (!refsValid) problems.Add("rollback evidence_refs must be a list of strings");
            if (maxRecovery == null) problems.Add("rollback plan must include positive max_recovery_minutes");

            // Shape problems upstream has no message for (it crashes, ignores or stringifies them).
            string targetMode = shape.OptionalText(o, "target_mode");
            bool controlsShapeValid = ReadControls(o.Get("controls"), out var present);
            if (!controlsShapeValid) shape.Add(Texts.ControlsShape);
            bool approvedFlag = shape.OptionalBool(o, "approved");
            var approval = shape.OptionalObject(o, "approval");
            bool approvalStatus = shape.OptionalText(approval, "status", "approval.status") == "approved";
            string approvalId = shape.OptionalText(o, "approval_id");
            string nestedApprovalId = shape.OptionalText(approval, "approval_id", "approval.approval_id");
            if (approvalId.Length == 0) approvalId = nestedApprovalId;
            problems.AddRange(shape.Messages);

            var missing = new List<string>();
            foreach (var control in RequiredControls)
            {
                bool has = control == FallbackControl
                    ? present.Contains(FallbackControl) || present.Contains(UpstreamFallbackControl)
                    : present.Contains(control);
                if (!has) missing.Add(control);
            }
            bool controlsValid = controlsShapeValid && missing.Count == 0;
            string controlsMessage = !controlsShapeValid ? Texts.ControlsShape
                : missing.Count > 0 ? Texts.ControlsMissingPrefix + string.Join(", ", missing)
                : Texts.ControlsComplete;

            bool approved = approvedFlag || approvalStatus;
            bool targetOk = targetMode == "disabled";
            // As upstream, target_mode and controls are judged by their own messages: a plan whose only fault is
            // target_mode="shadow" is invalid while its message is the success sentence.
            bool valid = problems.Count == 0 && targetOk && controlsValid;
            return new RollbackPlan(valid, approved, controlsValid, schema, approvalId, targetMode,
                problems.Count == 0 ? Texts.Success : string.Join("; ", problems),
                approved ? Texts.Approved : Texts.NotApproved,
                targetOk ? Texts.TargetMode : Texts.BadTargetMode,
                controlsMessage, missing, refs, steps, maxRecovery);
        }

        /// <summary>Absent is an empty list (everything missing); present it must be an array of strings.</summary>
        private static bool ReadControls(JsonValue? value, out HashSet<string> present)
        {
            present = new HashSet<string>(StringComparer.Ordinal);
            if (value == null) return true;
            if (!(value is JsonArray list)) return false;
            bool allStrings = true;
            foreach (var item in list.Items)
            {
                if (item is JsonString s) present.Add(s.Value);
                else allStrings = false;
            }
            return allStrings;
        }

        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("valid", Valid)
                .Property("approved", Approved)
                .Property("controls_valid", ControlsValid)
                .Property("schema_version", SchemaVersion)
                .Property("approval_id", ApprovalId)
                .Property("target_mode", TargetMode)
                .Property("message", Message)
                .Property("approval_message", ApprovalMessage)
                .Property("target_mode_message", TargetModeMessage)
                .Property("controls_message", ControlsMessage)
                .Property("missing_controls", MissingControls)
                .Property("evidence_refs", EvidenceRefs)
                .Property("rollback_steps", RollbackSteps)
                .Property("max_recovery_minutes", MaxRecoveryMinutesNumber)
                .EndObject();
        }
    }

    /// <summary>
    /// Collects this project's shape problems for one evidence file (docs/design/README.md §4.1): a member that is present but has
    /// the wrong JSON type (including null) is reported as "&lt;subject&gt; &lt;field&gt; must be ..." and treated as absent.
    /// Used for the fields upstream has no message of its own for.
    /// </summary>
    internal sealed class EvidenceShape
    {
        private readonly string _subject;
        private readonly List<string> _messages = new List<string>();

        public EvidenceShape(string subject) { _subject = subject; }

        public IReadOnlyList<string> Messages => _messages;

        public void Add(string message) => _messages.Add(message);

        public string OptionalText(JsonObject o, string key, string? label = null)
        {
            var v = o.Get(key);
            if (v == null) return "";
            if (v is JsonString s) return s.Value;
            Add($"{_subject} {label ?? key} must be a string");
            return "";
        }

        public bool OptionalBool(JsonObject o, string key, string? label = null)
        {
            var v = o.Get(key);
            if (v == null) return false;
            if (v is JsonBoolean b) return b.Value;
            Add($"{_subject} {label ?? key} must be true or false");
            return false;
        }

        /// <summary>The member when it is a number, else null (a present non-number is a problem).</summary>
        public JsonValue? OptionalNumber(JsonObject o, string key, string? label = null)
        {
            var v = o.Get(key);
            if (v == null) return null;
            if (v is JsonNumber) return v;
            Add($"{_subject} {label ?? key} must be a number");
            return null;
        }

        public JsonObject OptionalObject(JsonObject o, string key, string? label = null)
        {
            var v = o.Get(key);
            if (v == null) return JsonObject.Empty;
            if (v is JsonObject obj) return obj;
            Add($"{_subject} {label ?? key} must be an object");
            return JsonObject.Empty;
        }

        /// <summary>
        /// A required non-empty string with upstream's message when it is absent or empty, and a type message
        /// in the same place when it is present but not a string (upstream would have stringified it).
        /// </summary>
        public static string RequiredText(JsonObject o, string key, List<string> problems, string missingMessage, string typeMessage)
        {
            var v = o.Get(key);
            if (v is JsonString s && s.Value.Length > 0) return s.Value;
            problems.Add(v == null || v is JsonString ? missingMessage : typeMessage);
            return "";
        }

        public static double? ToDouble(object? number) => number switch
        {
            long l => l,
            double d => d,
            _ => (double?)null,
        };

        /// <summary>A number for messages, as Python prints it (15, 15.0).</summary>
        public static string Show(object? number) => number switch
        {
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d => PythonFloat.Repr(d),
            _ => "null",
        };
    }
}
