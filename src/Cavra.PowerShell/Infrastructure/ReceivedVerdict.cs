using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using Cavra.Gate.Configuration;
using Cavra.Gate.Readiness;
using Cavra.Gate.Html;
using Cavra.Gate.Serialization;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>
    /// A verdict as a cmdlet receives it: live (<see cref="GateVerdict"/>) or deserialized from a job, remoting or
    /// Import-Clixml (type name Deserialized.Cavra.Gate.Readiness.GateVerdict, a property bag). Both become the
    /// engine's <see cref="ReportedVerdict"/>, so a fleet's verdicts render exactly as local ones.
    /// </summary>
    internal static class ReceivedVerdict
    {
        public const string DeserializedTypeName = "Deserialized.Cavra.Gate.Readiness.GateVerdict";

        /// <summary>The verdict in <paramref name="input"/>, or null when it is neither a live nor a deserialized verdict.</summary>
        public static ReportedVerdict? From(object? input)
        {
            if (input is PSObject pso && pso.BaseObject is GateVerdict wrapped) return ReportedVerdict.From(wrapped);
            if (input is GateVerdict live) return ReportedVerdict.From(live);
            if (!(input is PSObject o) || !o.TypeNames.Contains(DeserializedTypeName)) return null;

            var steps = new List<ReportedStep>();
            foreach (var step in Items(Get(o, "Steps")))
            {
                var sections = new List<ReportedSection>();
                foreach (var report in Items(Get(step, "Reports")))
                    sections.Add(new ReportedSection(Text(report, "Section"), Name<ReportStatus>(report, "Status"), Text(report, "SchemaVersion"), Checks(Get(report, "Checks"))));
                steps.Add(new ReportedStep(Number(step, "Order"), Text(step, "Name"), Text(step, "Title"), Text(step, "Reason"),
                    Flag(step, "InGate"), Flag(step, "Passed"), Name<ReportStatus>(step, "Status"), sections));
            }
            bool passed = Flag(o, "GatePassed");
            return new ReportedVerdict(Name<BackendMode>(o, "Mode"), Time(Get(o, "EvaluatedAt")), passed, Flag(o, "GoSelected"),
                Text(o, "SelectedBackend"), passed ? "" : Name<GateStep>(o, "FailedStep"), Text(o, "FallbackReason"), Text(o, "Summary"),
                Flag(o, "ScheduleInGate"), Checks(Get(o, "BlockingChecks")), steps);
        }

        private static IReadOnlyList<ReportedCheck> Checks(object? checks)
        {
            var list = new List<ReportedCheck>();
            foreach (var c in Items(checks))
            {
                // Outcome is absent from verdicts of older module versions: their non-pass checks all blocked.
                string outcome = Text(c, "Outcome");
                if (!Enum.TryParse(outcome, true, out CheckOutcome parsed))
                    parsed = string.Equals(Text(c, "Status"), "Pass", StringComparison.OrdinalIgnoreCase) || Text(c, "Status") == "0" ? CheckOutcome.Pass : CheckOutcome.Fail;
                var details = new List<string>();
                if (Unwrap(Get(c, "Extras")) is IDictionary extras)
                    foreach (DictionaryEntry e in extras) details.Add(e.Key + ": " + CheckDetails.Value(Plain(e.Value)));
                list.Add(new ReportedCheck(Text(c, "Id"), parsed, Text(c, "Message"), string.Join("\n", details)));
            }
            return list;
        }

        private static object? Get(object? o, string name) => o is PSObject p ? p.Properties[name]?.Value : null;

        private static object? Unwrap(object? v) => v is PSObject p ? p.BaseObject : v;

        /// <summary>A received value as the engine formats values: scalars and lists as themselves, anything else by its text.</summary>
        private static object? Plain(object? v)
        {
            object? b = Unwrap(v);
            if (b == null || b is string || b is bool || b is int || b is long || b is double || b is decimal) return b;
            if (b is IEnumerable list && !(b is IDictionary))
            {
                var items = new List<object?>();
                foreach (var item in list) items.Add(Plain(item));
                return items;
            }
            return v?.ToString();
        }

        private static IEnumerable<object?> Items(object? v)
        {
            if (Unwrap(v) is IEnumerable list && !(Unwrap(v) is string))
                foreach (var item in list) yield return item;
        }

        private static string Text(object? o, string name) => Get(o, name)?.ToString() ?? "";

        private static bool Flag(object? o, string name) => LanguagePrimitives.IsTrue(Unwrap(Get(o, name)));

        private static int Number(object? o, string name) => LanguagePrimitives.ConvertTo<int>(Unwrap(Get(o, name)) ?? 0);

        /// <summary>An enum property in its snake_case form, whether it arrived as its name or (older senders) a number.</summary>
        private static string Name<T>(object? o, string name) where T : struct, Enum
        {
            string text = Text(o, name);
            if (Enum.TryParse(text, true, out T value)) return CanonicalName.Of(value);
            return text;
        }

        private static DateTimeOffset Time(object? v)
        {
            object? b = Unwrap(v);
            if (b is DateTimeOffset t) return t;
            if (b is DateTime d) return new DateTimeOffset(d);
            return DateTimeOffset.TryParse(v?.ToString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed : DateTimeOffset.MinValue;
        }
    }
}
