using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Cavra.Gate.FileSystem
{
    /// <summary>What a path names on disk. Only <see cref="Regular"/> is ever read or replaced (docs/design/file-system-rules.md).</summary>
    public enum FileKind
    {
        Missing,
        Regular,
        Directory,
        Fifo,
        CharacterDevice,
        BlockDevice,
        Socket,
        SymbolicLink,
        Other,
    }

    /// <summary>
    /// Finds a path's <see cref="FileKind"/> without opening it, so a FIFO, a device or a socket is recognised before
    /// anything could block on it. Unix: <c>stat</c>/<c>lstat</c> through the .NET runtime's own native shim
    /// (<c>libSystem.Native</c>, whose <c>FileStatus</c> layout is the same on every Unix); Windows: file attributes.
    /// Never throws.
    /// </summary>
    public static class FileKinds
    {
        internal static readonly bool IsWindows = RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>The kind of <paramref name="fullPath"/>; with <paramref name="followLinks"/> a symbolic link reports its target's kind.</summary>
        public static FileKind Of(string fullPath, bool followLinks = true)
        {
            if (string.IsNullOrEmpty(fullPath)) return FileKind.Missing;
            if (IsWindows) return OfWindows(fullPath, followLinks);
            var status = new byte[NativeFiles.StatusBytes];
            int result;
            try { result = followLinks ? NativeFiles.Stat(fullPath, status) : NativeFiles.LStat(fullPath, status); }
            catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException) { return OfWindows(fullPath, followLinks); }
            if (result != 0) return FileKind.Missing; // ENOENT, ENOTDIR, ELOOP, EACCES on a parent: nothing readable there
            return FromMode(NativeFiles.ModeOf(status));
        }

        /// <summary>How a check message names a kind: "FIFO", "character device", "directory", ...</summary>
        public static string Describe(FileKind kind) => kind switch
        {
            FileKind.Missing => "missing",
            FileKind.Regular => "regular file",
            FileKind.Directory => "directory",
            FileKind.Fifo => "FIFO",
            FileKind.CharacterDevice => "character device",
            FileKind.BlockDevice => "block device",
            FileKind.Socket => "socket",
            FileKind.SymbolicLink => "symbolic link",
            _ => "special file",
        };

        internal static FileKind FromMode(int mode) => (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            0xA000 => FileKind.SymbolicLink,
            _ => FileKind.Other,
        };

        private static FileKind OfWindows(string fullPath, bool followLinks)
        {
            try
            {
                var attributes = File.GetAttributes(fullPath);
                if (!followLinks && (attributes & FileAttributes.ReparsePoint) != 0) return FileKind.SymbolicLink;
                if ((attributes & FileAttributes.Directory) != 0) return FileKind.Directory;
                if ((attributes & FileAttributes.Device) != 0) return FileKind.CharacterDevice;
                return FileKind.Regular; // devices (CON, \\.\pipe\...) are refused again on the open handle
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException || ex is NotSupportedException)
            {
                return FileKind.Missing;
            }
        }
    }

    /// <summary>A path names something other than a regular file; nothing was read or written.</summary>
    public sealed class NotARegularFileException : IOException
    {
        public NotARegularFileException(string path, FileKind kind)
            : base($"{path} is not a regular file: {FileKinds.Describe(kind)}")
        {
            Path = path;
            Kind = kind;
        }

        public string Path { get; }
        public FileKind Kind { get; }
    }
}
