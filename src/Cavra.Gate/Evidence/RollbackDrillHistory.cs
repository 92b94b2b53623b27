using System;
using System.Collections.Generic;
using Cavra.Gate.Json;
using Cavra.Gate.Serialization;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Evidence
{
    /// <summary>
    /// Upstream <c>_rollback_drill_history_summary(path, max_age_days)</c> (docs/design/evidence.md §5): real rollback drills, judged by
    /// the latest one (greatest <c>executed_at</c>). "Now" comes from the injected clock. Stricter than upstream
    /// (docs/design/README.md §4.5): a latest drill more than 5 minutes in the future is invalid (upstream counts it fresh), every
    /// element of <c>drills</c> must be an object, and a drill field of the wrong type makes the history invalid.
    /// </summary>
    public sealed class RollbackDrillHistory : ICanonicalJson
    {
        /// <summary>The summary's message texts (pass and failure wording).</summary>
        public static class Texts
        {
            public const string Success = "Rollback drill history is parseable and the latest drill was evaluated.";
            public const string MissingStatus = "rollback drill history is missing or invalid";
            public const string Passed = "Latest rollback drill passed.";
            public const string NotPassed = "latest rollback drill must record status=pass";
            public const string TargetMode = "Latest rollback drill returned CAVRA to the built-in .NET backend (target_mode=disabled).";
            public const string BadTargetMode = "latest rollback drill must set target_mode=disabled";
            public const string Fallback = "Latest rollback drill verified built-in .NET backend fallback restoration.";
            public const string NoFallback = "latest rollback drill must verify built-in .NET backend fallback restoration";
            public const string Recovery = "Latest rollback drill met the recovery target.";
            public const string NoRecovery = "latest rollback drill recovery_minutes must be positive and less than or equal to max_recovery_minutes";
            public const string Fresh = "Latest rollback drill is within the maximum age.";
            public const string Stale = "latest rollback drill is missing, invalid, or stale";
            public const string Future = "latest rollback drill executed_at is in the future";
        }

        public const string Schema = "cavra.go-backend-rollback-drill-history.v1";

        /// <summary>How far in the future a drill may be dated (clock skew) before it is invalid (docs/design/README.md §4.5).</summary>
        public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

        /// <summary>The drill fields and their JSON types, checked in every drill (docs/design/README.md §4.1).</summary>
        private static readonly (string Key, JsonKind Kind)[] DrillFields =
        {
            ("drill_id", JsonKind.String), ("executed_at", JsonKind.String), ("status", JsonKind.String), ("target_mode", JsonKind.String),
            ("fallback_verified", JsonKind.Boolean), ("recovery_minutes", JsonKind.Number), ("max_recovery_minutes", JsonKind.Number),
            ("runbook_ref", JsonKind.String), ("evidence_refs", JsonKind.Array),
        };

        private RollbackDrillHistory(bool valid, string schemaVersion, string environment, int drillCount, string latestDrillId,
            string latestStatus, string latestTargetMode, string latestExecutedAt, double? ageDays, bool fresh, bool fallbackVerified,
            bool recoverySlaMet, object? recoveryMinutes, object? maxRecoveryMinutes, string runbookRef, IReadOnlyList<string> evidenceRefs,
            string message, string latestStatusMessage, string targetModeMessage, string fallbackMessage, string recoveryMessage,
            string freshnessMessage)
        {
            Valid = valid; SchemaVersion = schemaVersion; Environment = environment; DrillCount = drillCount; LatestDrillId = latestDrillId;
            LatestStatus = latestStatus; LatestTargetMode = latestTargetMode; LatestExecutedAt = latestExecutedAt; AgeDays = ageDays;
            Fresh = fresh; FallbackVerified = fallbackVerified; RecoverySlaMet = recoverySlaMet; RecoveryMinutesNumber = recoveryMinutes;
            MaxRecoveryMinutesNumber = maxRecoveryMinutes; RunbookRef = runbookRef; EvidenceRefs = evidenceRefs; Message = message;
            LatestStatusMessage = latestStatusMessage; TargetModeMessage = targetModeMessage; FallbackMessage = fallbackMessage;
            RecoveryMessage = recoveryMessage; FreshnessMessage = freshnessMessage;
        }

        public bool Valid { get; }
        public string SchemaVersion { get; }
        public string Environment { get; }
        /// <summary>The number of drills that are JSON objects.</summary>
        public int DrillCount { get; }
        public string LatestDrillId { get; }
        public string LatestStatus { get; }
        public string LatestTargetMode { get; }
        /// <summary>The latest drill's <c>executed_at</c> as written ("" when absent or not a string).</summary>
        public string LatestExecutedAt { get; }
        /// <summary>Days since the latest drill, rounded to 4 places as Python's round(); null when not computed.</summary>
        public double? AgeDays { get; }
        public bool Fresh { get; }
        public bool FallbackVerified { get; }
        public bool RecoverySlaMet { get; }
        public double? RecoveryMinutes => EvidenceShape.ToDouble(RecoveryMinutesNumber);
        public double? MaxRecoveryMinutes => EvidenceShape.ToDouble(MaxRecoveryMinutesNumber);
        public string RunbookRef { get; }
        public IReadOnlyList<string> EvidenceRefs { get; }
        public string Message { get; }
        /// <summary>What Format-List and string expansion show: the validation message, not the type name.</summary>
        public override string ToString() => Message;
        public string LatestStatusMessage { get; }
        public string TargetModeMessage { get; }
        public string FallbackMessage { get; }
        public string RecoveryMessage { get; }
        public string FreshnessMessage { get; }

        internal object? RecoveryMinutesNumber { get; }
        internal object? MaxRecoveryMinutesNumber { get; }

        /// <summary>Reads and validates the history at <paramref name="path"/> ("" means not configured).</summary>
        public static RollbackDrillHistory Read(InputFiles files, string path, double maxAgeDays, TimeProvider clock)
        {
            if (files == null) throw new ArgumentNullException(nameof(files));
            return FromDocument(files.ReadObject(path), maxAgeDays, clock);
        }

        public static RollbackDrillHistory FromDocument(JsonFileCheck document, double maxAgeDays, TimeProvider clock)
        {
            if (document == null) throw new ArgumentNullException(nameof(document));
            if (clock == null) throw new ArgumentNullException(nameof(clock));
            if (!document.Valid) return Empty(document.Message);

            var o = document.Payload;
            string schema = EvidenceFields.Text(o, "schema_version");
            var drillsValue = o.Get("drills");
            var drills = drillsValue as JsonArray;
            var head = new List<string>();
            if (schema != Schema) head.Add("rollback drill history has an invalid schema_version");
            if (drills == null || drills.Count == 0) head.Add("rollback drill history must include a non-empty drills list");
            if (head.Count > 0) return Empty(string.Join("; ", head));

            var shape = new EvidenceShape("rollback drill history");
            string environment = shape.OptionalText(o, "environment");
            var objects = new List<JsonObject>();
            var indexes = new List<int>();
            for (int i = 0; i < drills!.Count; i++)
            {
                if (drills.Items[i] is JsonObject drill) { objects.Add(drill); indexes.Add(i); }
                else shape.Add($"rollback drill history drills[{i}] must be an object");
            }

            int latestAt = LatestDrillIndex(objects);
            if (latestAt < 0) return Empty("rollback drill history has no parseable drills");
            var latest = objects[latestAt];

            // Wrong types in any drill (docs/design/README.md §4.1). The latest drill's executed_at, runbook_ref and evidence_refs
            // already have upstream messages of their own.
            for (int k = 0; k < objects.Count; k++)
            {
                foreach (var (key, kind) in DrillFields)
                {
                    if (k == latestAt && (key == "executed_at" || key == "runbook_ref" || key == "evidence_refs")) continue;
                    var v = objects[k].Get(key);
                    if (v == null) continue;
                    bool ok = v.Kind == kind && (kind != JsonKind.Array || AllStrings((JsonArray)v));
                    if (!ok) shape.Add($"rollback drill history drills[{indexes[k]}].{key} must be {Expected(kind)}");
                }
            }

            var problems = new List<string>();
            string executedText = EvidenceFields.Text(latest, "executed_at");
            bool executedParsed = IsoTimestamp.TryParse(executedText, out var executed);
            var now = TruncateToMicroseconds(clock.GetUtcNow());
            bool future = executedParsed && executed > now + MaxFutureSkew;
            double? ageDays = null;
            bool fresh = false;
            if (executedParsed && IsPositive(maxAgeDays))
            {
                ageDays = DaysBetween(executed, now);
                fresh = !future && ageDays.Value <= maxAgeDays;
            }

            string status = EvidenceFields.Text(latest, "status");
            string targetMode = EvidenceFields.Text(latest, "target_mode");
            bool fallbackVerified = EvidenceFields.IsTrue(latest, "fallback_verified");
            var recovery = EvidenceFields.PositiveNumber(latest.Get("recovery_minutes"));
            var maxRecovery = EvidenceFields.PositiveNumber(latest.Get("max_recovery_minutes"));
            bool recoverySlaMet = recovery != null && maxRecovery != null && EvidenceShape.ToDouble(recovery) <= EvidenceShape.ToDouble(maxRecovery);
            bool refsValid = EvidenceFields.StringList(latest, "evidence_refs", out var refs) && refs.Count > 0;
            if (!refsValid) refs = Array.Empty<string>();
            if (!refsValid) problems.Add("latest rollback drill must include evidence_refs as a non-empty list of strings");
            string runbookRef = EvidenceShape.RequiredText(latest, "runbook_ref", problems,
                "latest rollback drill must include runbook_ref", "latest rollback drill runbook_ref must be a string");
            if (!executedParsed) problems.Add("latest rollback drill must include valid executed_at timestamp");
            if (future) problems.Add(Texts.Future);
            problems.AddRange(shape.Messages);

            bool passed = status == "pass";
            bool targetOk = targetMode == "disabled";
            // As upstream, status, target_mode, fallback, recovery and staleness have their own messages: a stale or
            // failed latest drill makes the history invalid while its message is the success sentence.
            bool valid = problems.Count == 0 && passed && targetOk && fallbackVerified && recoverySlaMet && fresh;
            return new RollbackDrillHistory(valid, schema, environment, objects.Count, EvidenceFields.Text(latest, "drill_id"), status, targetMode,
                executedText, ageDays, fresh, fallbackVerified, recoverySlaMet, recovery, maxRecovery, runbookRef, refs,
                problems.Count == 0 ? Texts.Success : string.Join("; ", problems),
                passed ? Texts.Passed : Texts.NotPassed,
                targetOk ? Texts.TargetMode : Texts.BadTargetMode,
                fallbackVerified ? Texts.Fallback : Texts.NoFallback,
                recoverySlaMet ? Texts.Recovery : Texts.NoRecovery,
                fresh ? Texts.Fresh : Texts.Stale);
        }

        /// <summary>
        /// Upstream <c>_latest_drill</c>: among drills whose <c>executed_at</c> parses, the greatest instant (the first
        /// on a tie); when none parses, the last drill; -1 for no drills.
        /// </summary>
        internal static int LatestDrillIndex(IReadOnlyList<JsonObject> drills)
        {
            int best = -1;
            DateTimeOffset bestAt = default;
            for (int i = 0; i < drills.Count; i++)
            {
                if (!IsoTimestamp.TryParse(EvidenceFields.Text(drills[i], "executed_at"), out var at)) continue;
                if (best < 0 || at > bestAt) { best = i; bestAt = at; }
            }
            return best >= 0 ? best : drills.Count - 1;
        }

        /// <summary><c>round((later - earlier).total_seconds() / 86400, 4)</c> with Python's arithmetic.</summary>
        internal static double DaysBetween(DateTimeOffset earlier, DateTimeOffset later)
        {
            // Python keeps microseconds: total_seconds() is micros / 10**6, correctly rounded, as is this.
            long micros = (later.UtcTicks - earlier.UtcTicks) / 10;
            return PythonFloat.Round(micros / 1e6 / 86400, 4);
        }

        /// <summary>Python's datetime has microsecond resolution; so has "now" here.</summary>
        internal static DateTimeOffset TruncateToMicroseconds(DateTimeOffset t) =>
            new DateTimeOffset(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);

        /// <summary>Upstream's <c>_positive_number</c> for configuration floats: NaN and non-positive fail closed, +inf passes.</summary>
        internal static bool IsPositive(double value) => value > 0;

        private static bool AllStrings(JsonArray array)
        {
            foreach (var item in array.Items) if (!(item is JsonString)) return false;
            return true;
        }

        private static string Expected(JsonKind kind) => kind switch
        {
            JsonKind.String => "a string",
            JsonKind.Boolean => "true or false",
            JsonKind.Number => "a number",
            _ => "a list of strings",
        };

        private static RollbackDrillHistory Empty(string message) =>
            new RollbackDrillHistory(false, "", "", 0, "", "", "", "", null, false, false, false, null, null, "", Array.Empty<string>(),
                message, Texts.MissingStatus, Texts.BadTargetMode, Texts.NoFallback, Texts.NoRecovery, Texts.Stale);

        public void WriteJson(CanonicalJsonWriter w)
        {
            w.StartObject()
                .Property("valid", Valid)
                .Property("schema_version", SchemaVersion)
                .Property("environment", Environment)
                .Property("drill_count", DrillCount)
                .Property("latest_drill_id", LatestDrillId)
                .Property("latest_status", LatestStatus)
                .Property("latest_target_mode", LatestTargetMode)
                .Property("latest_executed_at", LatestExecutedAt)
                .Property("age_days", AgeDays)
                .Property("fresh", Fresh)
                .Property("fallback_verified", FallbackVerified)
                .Property("recovery_sla_met", RecoverySlaMet)
                .Property("recovery_minutes", RecoveryMinutesNumber)
                .Property("max_recovery_minutes", MaxRecoveryMinutesNumber)
                .Property("runbook_ref", RunbookRef)
                .Property("evidence_refs", EvidenceRefs)
                .Property("message", Message)
                .Property("latest_status_message", LatestStatusMessage)
                .Property("target_mode_message", TargetModeMessage)
                .Property("fallback_message", FallbackMessage)
                .Property("recovery_message", RecoveryMessage)
                .Property("freshness_message", FreshnessMessage)
                .EndObject();
        }
    }
}
