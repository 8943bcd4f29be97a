import Testing

@testable import HDF5
