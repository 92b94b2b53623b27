using System;
using System.Runtime.InteropServices;

namespace Cavra.Gate.FileSystem
{
    /// <summary>
    /// The few Unix calls .NET has no netstandard2.0 API for. <c>stat</c>/<c>lstat</c>/<c>fstat</c> go through the .NET
    /// runtime's own shim (<c>libSystem.Native</c>): its <c>FileStatus</c> starts with <c>int32 Flags, int32 Mode, uint32 Uid,
    /// uint32 Gid, int64 Size</c> on every Unix and .NET Core version, unlike libc's <c>struct stat</c>. <c>open</c> comes
    /// from libc because only libc's takes <c>O_NONBLOCK</c> (opening a FIFO for reading blocks without it).
    /// </summary>
    internal static class NativeFiles
    {
        /// <summary>Larger than any FileStatus the shim has had (about 120 bytes), so a newer layout never overruns.</summary>
        public const int StatusBytes = 512;

        public static int ModeOf(byte[] status) => BitConverter.ToInt32(status, 4);
        public static long SizeOf(byte[] status) => BitConverter.ToInt64(status, 16);

        public const int EEXIST = 17;  // Linux, macOS and the BSDs
        public const int ELOOP_LINUX = 40, ELOOP_BSD = 62;
        public const int X_OK = 1;

        /// <summary>O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC for this OS, or null where the values are not known here.</summary>
        public static int? ReadNonBlockingFlags()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return 0x800 | 0x100 | 0x80000;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.OSX)) return 0x4 | 0x20000 | 0x1000000;
            return null;
        }

#pragma warning disable CA2101, SYSLIB1054 // paths are UTF-8 on Unix, which is the default marshalling there
        [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
        public static extern int Stat(string path, byte[] status);

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_LStat", SetLastError = true)]
        public static extern int LStat(string path, byte[] status);

        [DllImport("libSystem.Native", EntryPoint = "SystemNative_FStat", SetLastError = true)]
        public static extern int FStat(IntPtr fd, byte[] status);

        /// <summary>libc open(2) without the variadic mode argument (never O_CREAT here).</summary>
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open(string path, int flags);

        [DllImport("libc", EntryPoint = "access", SetLastError = true)]
        public static extern int Access(string path, int mode);

        [DllImport("libc", EntryPoint = "link", SetLastError = true)]
        public static extern int Link(string oldpath, string newpath);
#pragma warning restore CA2101, SYSLIB1054
    }
}
