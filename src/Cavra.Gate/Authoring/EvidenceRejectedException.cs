using System;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Authoring
{
    /// <summary>Why an evidence write was refused.</summary>
    public enum EvidenceRejection
    {
        /// <summary>The new document (or drill) is one the gate would reject.</summary>
        Document,
        /// <summary>The existing file to append to is not a drill history the gate can read; it was left untouched.</summary>
        ExistingFile,
        /// <summary>The existing history records a different environment than the one given.</summary>
        EnvironmentMismatch,
        /// <summary>The history already holds a drill with this drill_id.</summary>
        DuplicateDrillId,
        /// <summary>The history would grow past the size the gate reads (<see cref="FileSystem.InputFiles.MaxFileBytes"/>); archive older drills.</summary>
        HistoryFull,
    }

    /// <summary>An evidence document (new, or an existing file to append to) that the gate would not accept; nothing was written.</summary>
    public sealed class EvidenceRejectedException : InvalidOperationException
    {
        public EvidenceRejectedException(string message) : this(message, EvidenceRejection.Document) { }

        public EvidenceRejectedException(string message, EvidenceRejection reason) : base(message) { Reason = reason; }

        public EvidenceRejection Reason { get; }
    }
}
