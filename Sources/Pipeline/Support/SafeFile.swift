import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Files the CLI writes for people (`report --out`, `model-card --output`), written so that a
/// symbolic link planted in the folder cannot redirect them (issue 29, finding 11): the target
/// must not be a symbolic link or anything but a regular file; the content goes to a new
/// temporary file in the same folder (`O_EXCL | O_NOFOLLOW`, an explicit mode whatever the
/// umask), is flushed to disk and renamed over the target, which replaces a name and never
/// follows one. A reader sees the old file or the new one, never half of it.
public enum SafeFile {
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var status = stat()
        if lstat(url.path, &status) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFLNK: throw PipelineError.output("refusing to write \(url.path): it is a symbolic link (remove it, or choose another path)")
            case S_IFREG: break
            default: throw PipelineError.output("refusing to write \(url.path): it exists and is not a regular file")
            }
        }
        let temporary = directory + "/." + url.lastPathComponent + ".\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw PipelineError.output("cannot create a file in \(directory): \(String(cString: strerror(errno)))") }
        var written = 0
        let failure: String? = data.withUnsafeBytes { buffer -> String? in
            if fchmod(fd, mode) != 0 { return "chmod: \(String(cString: strerror(errno)))" }
            while written < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                written += n
            }
            return fsync(fd) == 0 ? nil : "fsync: \(String(cString: strerror(errno)))"
        }
        close(fd)
        if let failure {
            unlink(temporary)
            throw PipelineError.output("cannot write \(url.path): \(failure)")
        }
        guard rename(temporary, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PipelineError.output("cannot write \(url.path): \(reason)")
        }
        // The rename itself is durable once the folder is flushed.
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }
}
