/// `withUnsafeBytes` with a typed error (the standard one only rethrows `any Error`).
func withBytes<T>(
    of array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(AnnotatedCSVError) -> T
) throws(AnnotatedCSVError) -> T {
    var result: Result<T, AnnotatedCSVError>?
    array.withUnsafeBytes { bytes in
        do throws(AnnotatedCSVError) {
            result = .success(try body(bytes))
        } catch {
            result = .failure(error)
        }
    }
    return try result!.get()
}
