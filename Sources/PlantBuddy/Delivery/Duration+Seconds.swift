internal import CSystemLinux
import Foundation
import InfluxClient
import Observability
import WriteAheadLog

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
