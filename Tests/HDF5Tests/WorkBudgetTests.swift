import ByteSources
import HDF5Format
import Testing

@testable import HDF5

@Suite struct WorkBudgetTests {
    @Test func aWalkChargesEveryStructureItReads() async throws {
        let file = try await HDF5File(path: "TestData/fixtures/groups_latest.h5")
        let before = file.budget.structuresRead
        _ = try await file.walk(from: "/", recursive: true)
        #expect(file.budget.structuresRead > before + 80)  // the fixture has 86 objects
        #expect(file.budget.bytesRead > 0)
    }

    @Test func aFileThatNeedsMoreStructuresThanItsBudgetStopsWithATypedError() async throws {
        let source = try MappedFileSource(path: "TestData/fixtures/groups_latest.h5")
        let file = try await HDF5File(source: source, budget: WorkBudget(structureLimit: 40, byteLimit: 1 << 30))
        let error = await #expect(throws: HDF5Error.self) { _ = try await file.walk(from: "/", recursive: true) }
        guard case .limitExceeded(_, _, let limit) = error else {
            Issue.record("expected limitExceeded, got \(String(describing: error))")
            return
        }
        #expect(limit.contains("work budget of 40 structures"))
    }

    @Test func theByteBudgetStopsDecodingToo() async throws {
        let source = try MappedFileSource(path: "TestData/fixtures/sample.nwb")
        let file = try await HDF5File(source: source, budget: WorkBudget(structureLimit: 1 << 40, byteLimit: 4096))
        let error = await #expect(throws: HDF5Error.self) { _ = try await file.walk(from: "/", recursive: true) }
        guard case .limitExceeded(_, _, let limit) = error else {
            Issue.record("expected limitExceeded, got \(String(describing: error))")
            return
        }
        #expect(limit.contains("4096 bytes"))
    }
}
