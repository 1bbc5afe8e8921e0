import Foundation

/// Whether `condition` becomes true within five seconds, checked every 5 ms: for state another
/// thread changes (a fetch in flight, a follower joined), never for the passing of time itself.
func eventually(_ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.005)
    }
    return false
}
