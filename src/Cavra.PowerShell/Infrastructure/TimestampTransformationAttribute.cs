using System;
using System.Management.Automation;
using Cavra.Gate.Time;

namespace Cavra.PowerShell.Infrastructure
{
    /// <summary>
    /// Binds timestamps the way the gate reads them (docs/design/evidence.md §1.4), not the way the session's time zone would: text is
    /// parsed with the gate's own ISO 8601 parser (a missing offset means UTC, date-only means midnight UTC), and a
    /// DateTime without a kind is taken as UTC. Local DateTimes (Get-Date) and DateTimeOffsets keep their instant.
    /// Anything else, and an empty value, is a parameter binding error, so an unparseable date never reaches a file.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class TimestampTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject pso ? pso.BaseObject : inputData;
            switch (value)
            {
                case null:
                    // An input record whose timestamp is present but empty is missing data, not "now".
                    throw new ArgumentTransformationMetadataException("The timestamp is empty.");
                case DateTimeOffset offset:
                    return offset;
                case DateTime dateTime:
                    return dateTime.Kind == DateTimeKind.Unspecified
                        ? new DateTimeOffset(DateTime.SpecifyKind(dateTime, DateTimeKind.Utc))
                        : new DateTimeOffset(dateTime);
                case string text:
                    if (IsoTimestamp.TryParse(text.Trim(), out var parsed)) return parsed;
                    throw new ArgumentTransformationMetadataException(
                        $"'{text}' is not an ISO 8601 timestamp such as 2026-11-25T12:00:00+00:00 (a missing offset means UTC).");
                default:
                    throw new ArgumentTransformationMetadataException(
                        $"A timestamp is expected (ISO 8601 text, DateTime or DateTimeOffset), not {value.GetType().FullName}.");
            }
        }
    }
}
