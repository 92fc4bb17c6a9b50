/// `withUnsafeBytes` with a typed error (the standard one only rethrows `any Error`).
func withBytes<T, Failure: Error>(
    of array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(Failure) -> T
) throws(Failure) -> T {
    var result: Result<T, Failure>?
    array.withUnsafeBytes { bytes in
        do throws(Failure) {
            result = .success(try body(bytes))
        } catch {
            result = .failure(error)
        }
    }
    return try result!.get()
}
