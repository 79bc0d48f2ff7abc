// SPDX-License-Identifier: GPL-2.0-or-later
#include "publisher/controller_publisher.h"

#include <pthread.h>

#include <algorithm>
#include <csignal>
#include <cmath>
#include <random>
#include <set>

#include "publisher/credential_builder.h"
#include "template/fingerprint_template.h"

namespace fpb::publisher {
namespace {

enum LogLevel { kDebug = 1, kInfo = 2, kWarning = 3, kError = 4 };

// A controller that hangs up must give our thread EPIPE, not end the host with SIGPIPE: a plugin
// may not change the process's signal handling, but it may mask its own threads.
void maskBrokenPipeSignal() {
    sigset_t brokenPipe;
    sigemptyset(&brokenPipe);
    sigaddset(&brokenPipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &brokenPipe, nullptr);
}

bool isNotFound(const onvif::OnvifError& e) {
    return e.kind() == onvif::ErrorKind::Refused && e.subcode().find("NotFound") != std::string::npos;
}

} // namespace

struct ControllerPublisher::Worker {
    onvif::ControllerAddress address;
    std::thread thread;
    std::mutex mutex;
    std::condition_variable wake;
    bool woken = false;
    bool stopping = false;
    // A sync asked by the operator: the worker runs it at once, ignoring the backoff.
    bool syncRequested = false;
    bool syncDone = false;
    const SyncProgress* syncProgress = nullptr;
    SyncReport syncReport;
    std::condition_variable syncFinished;

    std::unique_ptr<onvif::OnvifClient> client;
    FormatChoice format;
    bool sessionReady = false;
    int failures = 0;       // consecutive failed attempts; any change that goes through resets it
    // What the controller holds, by user: the outbox's published table, cached while the session lasts.
    std::map<std::string, PublishedCredential> published;
    std::string itemError;  // the last change the controller refused, for the status
    std::vector<std::unique_ptr<onvif::OnvifClient>> extraClients;  // further connections (lanes)
    std::mutex laneMutex;   // guards published, itemError, failures and the report between lanes
};

ControllerPublisher::ControllerPublisher(RecordSource& source, const std::string& outboxPath, PublisherOptions options)
    : source_(source), outbox_(outboxPath), options_(options) {}

ControllerPublisher::~ControllerPublisher() { stop(); }

void ControllerPublisher::start() {
    {
        std::lock_guard lock(mutex_);
        started_ = true;
    }
    controllersChanged();
}

void ControllerPublisher::stop() {
    std::map<std::string, std::unique_ptr<Worker>> workers;
    {
        std::lock_guard lock(mutex_);
        started_ = false;
        workers.swap(workers_);
    }
    for (auto& [id, worker] : workers) {
        {
            std::lock_guard lock(worker->mutex);
            worker->stopping = true;
        }
        worker->wake.notify_all();
        worker->syncFinished.notify_all();
    }
    for (auto& [id, worker] : workers)
        if (worker->thread.joinable()) worker->thread.join();
}

void ControllerPublisher::controllersChanged() {
    auto controllers = source_.controllers();
    std::vector<std::unique_ptr<Worker>> retired;
    {
        std::lock_guard lock(mutex_);
        if (!started_) return;
        std::set<std::string> wanted;
        for (const auto& address : controllers) {
            wanted.insert(address.id);
            auto it = workers_.find(address.id);
            if (it != workers_.end()) {
                auto& existing = it->second->address;
                bool same = existing.endpoint == address.endpoint && existing.username == address.username &&
                            existing.password == address.password && existing.caFile == address.caFile &&
                            existing.pinnedSha256 == address.pinnedSha256 && existing.allowPlainHttp == address.allowPlainHttp;
                if (same) continue;
                retired.push_back(std::move(it->second));
                workers_.erase(it);
            }
            // Every (re)start reconciles: changes may have happened while nobody was watching.
            auto record = outbox_.controller(address.id);
            record.needsReconcile = true;
            record.dueAt = 0;
            outbox_.saveController(address.id, record);
            auto worker = std::make_unique<Worker>();
            worker->address = address;
            Worker* raw = worker.get();
            workers_[address.id] = std::move(worker);
            raw->thread = std::thread([this, raw] { run(*raw); });
        }
        for (auto it = workers_.begin(); it != workers_.end();) {
            if (wanted.count(it->first)) {
                ++it;
                continue;
            }
            retired.push_back(std::move(it->second));
            it = workers_.erase(it);
        }
        for (const auto& id : outbox_.knownControllers())
            if (!wanted.count(id)) outbox_.forgetController(id);
    }
    for (auto& worker : retired) {
        {
            std::lock_guard lock(worker->mutex);
            worker->stopping = true;
        }
        worker->wake.notify_all();
        worker->syncFinished.notify_all();
        if (worker->thread.joinable()) worker->thread.join();
    }
}

void ControllerPublisher::userChanged(const std::string& userId) {
    std::vector<std::string> ids;
    std::vector<Worker*> toWake;
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, worker] : workers_) {
            ids.push_back(id);
            toWake.push_back(worker.get());
        }
    }
    if (ids.empty()) return;
    outbox_.enqueue(ids, userId);
    for (auto* worker : toWake) {
        {
            std::lock_guard lock(worker->mutex);
            worker->woken = true;
        }
        worker->wake.notify_all();
    }
}

std::chrono::milliseconds ControllerPublisher::backoff(int failures) {
    thread_local std::mt19937 random{std::random_device{}()};
    double delay = static_cast<double>(options_.retryBase.count()) * std::pow(2.0, std::min(failures - 1, 16));
    delay = std::min(delay, static_cast<double>(options_.retryMax.count()));
    // Jitter keeps many hosts from hammering a controller that comes back, all at the same second.
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    return std::chrono::milliseconds(static_cast<long long>(delay * jitter(random)));
}

void ControllerPublisher::ensureSession(Worker& worker) {
    if (worker.sessionReady) return;
    worker.client = std::make_unique<onvif::OnvifClient>(worker.address);
    auto& client = *worker.client;
    client.connect();
    auto capabilities = client.credentialCapabilities();
    auto& types = capabilities.identifierTypes;
    if (std::find(types.begin(), types.end(), kFingerprintType) == types.end()) {
        std::string list;
        for (const auto& t : types) list += (list.empty() ? "" : ", ") + t;
        throw onvif::OnvifError(onvif::ErrorKind::Unsupported,
                                client.describe() + " does not accept fingerprint credentials (it takes: " +
                                    (list.empty() ? "nothing" : list) +
                                    "). Enable fingerprint support on the controller, or remove it from fpbridge's list");
    }
    auto formats = client.supportedFormatTypes(kFingerprintType);
    auto choice = chooseFormat(formats);
    if (!choice) {
        std::string list;
        for (const auto& f : formats) list += (list.empty() ? "" : ", ") + f.formatType;
        throw onvif::OnvifError(onvif::ErrorKind::Unsupported,
                                client.describe() + " takes fingerprints only as " + (list.empty() ? "(no format)" : list) +
                                    ", none of which fpbridge writes (ISO/IEC 19794-2:2005, ANSI INCITS 378-2004). "
                                    "Enable one of those formats on the controller");
    }
    worker.format = *choice;
    worker.extraClients.clear();
    for (int i = 1; i < options_.connectionsPerController; ++i) {
        worker.extraClients.push_back(std::make_unique<onvif::OnvifClient>(worker.address));
        worker.extraClients.back()->connect();
    }
    worker.published = outbox_.publishedOf(worker.address.id);
    worker.sessionReady = true;
    auto record = outbox_.controller(worker.address.id);
    record.formatType = choice->formatType;
    record.reachable = true;
    outbox_.saveController(worker.address.id, record);
}

void ControllerPublisher::reconcile(Worker& worker, SyncReport* report) {
    const std::string& id = worker.address.id;
    auto listed = worker.client->listCredentials();
    // Ours: credentials carrying a fingerprint identifier or our description. Several for one
    // holder (left by a crash in another client, or by hand) are cut back to one.
    std::map<std::string, std::vector<onvif::CredentialData>> byHolder;
    for (auto& credential : listed) {
        bool fingerprint = !fingerprintDigest(credential).empty();
        if (fingerprint || credential.description == kManagedDescription)
            byHolder[credential.holderReference].push_back(std::move(credential));
    }
    std::vector<std::pair<std::string, PublishedCredential>> published;
    for (auto& [holder, credentials] : byHolder) {
        for (std::size_t i = 1; i < credentials.size(); ++i) {
            try {
                worker.client->deleteCredential(credentials[i].token);
                if (report) ++report->deleted;
            } catch (const onvif::OnvifError& e) {
                if (!isNotFound(e)) throw;
            }
        }
        published.emplace_back(holder, PublishedCredential{credentials[0].token, fingerprintDigest(credentials[0])});
    }
    outbox_.replacePublished(id, published);
    worker.published.clear();
    for (const auto& [holder, credential] : published) worker.published[holder] = credential;

    std::vector<std::string> differing;
    auto users = source_.enrolledUsers();
    std::map<std::string, std::string> publishedDigest(
        [&] {
            std::map<std::string, std::string> m;
            for (const auto& [holder, credential] : published) m[holder] = credential.digest;
            return m;
        }());
    for (const auto& [userId, fingers] : users) {
        std::string wanted;
        try {
            if (auto built = buildCredential(userId, fingers, worker.format)) wanted = built->digest;
        } catch (const tmpl::TemplateError& e) {
            source_.log(kError, "a stored template of user " + userId + " cannot be published: " + e.what());
            continue;
        }
        auto it = publishedDigest.find(userId);
        if (it == publishedDigest.end() ? !wanted.empty() : it->second != wanted) differing.push_back(userId);
        if (it == publishedDigest.end() && wanted.empty()) continue;
        if (it != publishedDigest.end() && it->second == wanted && report) ++report->unchanged;
    }
    for (const auto& [holder, digest] : publishedDigest)
        if (!users.count(holder)) differing.push_back(holder);
    if (!differing.empty()) outbox_.enqueueMany(id, differing);

    auto record = outbox_.controller(id);
    record.needsReconcile = false;
    outbox_.saveController(id, record);
}

void ControllerPublisher::publishOne(Worker& worker, onvif::OnvifClient& client, const PendingChange& change,
                                     SyncReport* report) {
    const std::string& id = worker.address.id;
    auto fingers = source_.fingersOfUser(change.userId);
    std::optional<BuiltCredential> built;
    if (fingers) {
        try {
            built = buildCredential(change.userId, *fingers, worker.format);
        } catch (const tmpl::TemplateError& e) {
            std::string message = "user " + change.userId + ": a stored template is malformed (" + e.what() +
                                  "); enroll the finger again";
            outbox_.postpone(change, std::time(nullptr) + 3600, message);
            std::lock_guard lock(worker.laneMutex);
            worker.itemError = message;
            if (report) ++report->refused;
            return;
        }
    }
    std::optional<PublishedCredential> known;
    {
        std::lock_guard lock(worker.laneMutex);
        auto cached = worker.published.find(change.userId);
        if (cached != worker.published.end()) known = cached->second;
    }
    auto finish = [&](const std::optional<PublishedCredential>& now) {
        outbox_.completeWith(change, now);
        std::lock_guard lock(worker.laneMutex);
        if (now) worker.published[change.userId] = *now;
        else worker.published.erase(change.userId);
    };
    auto count = [&](std::size_t SyncReport::*field) {
        std::lock_guard lock(worker.laneMutex);
        if (report) ++(report->*field);
    };
    if (!built) {
        if (known) {
            try {
                client.deleteCredential(known->token);
            } catch (const onvif::OnvifError& e) {
                if (!isNotFound(e)) throw;
            }
            count(&SyncReport::deleted);
            source_.audit("controller.credential.deleted", "user " + change.userId, "controller " + id);
        }
        finish(std::nullopt);
        return;
    }
    if (known && known->digest == built->digest) {
        finish(known);
        return;
    }
    if (known) {
        built->credential.token = known->token;
        try {
            client.modifyCredential(built->credential);
            finish(PublishedCredential{known->token, built->digest});
            count(&SyncReport::modified);
            return;
        } catch (const onvif::OnvifError& e) {
            if (!isNotFound(e)) throw;
            built->credential.token.clear();  // removed on the controller meanwhile: create it again
        }
    }
    std::string token = client.createCredential(built->credential);
    finish(PublishedCredential{token, built->digest});
    count(&SyncReport::created);
    source_.audit("controller.credential.published", "user " + change.userId, "controller " + id);
}

void ControllerPublisher::publishBatch(Worker& worker, onvif::OnvifClient& client, const std::vector<PendingChange>& changes,
                                       SyncReport* report, const SyncProgress* progress, std::size_t& done,
                                       std::size_t total) {
    for (const auto& change : changes) {
        {
            std::lock_guard lock(worker.mutex);
            if (worker.stopping) return;
        }
        try {
            publishOne(worker, client, change, report);
            std::lock_guard lock(worker.laneMutex);
            worker.failures = 0;
        } catch (const onvif::OnvifError& e) {
            if (e.kind() != onvif::ErrorKind::Refused) throw;  // the controller as a whole: back off
            // This change alone was refused: keep it, retry it rarely, go on with the others.
            outbox_.postpone(change, std::time(nullptr) + 60L * std::min(change.attempts + 1, 60), e.what());
            source_.log(kWarning, e.what());
            std::lock_guard lock(worker.laneMutex);
            worker.itemError = e.what();
            if (report) ++report->refused;
        }
        std::lock_guard lock(worker.laneMutex);
        ++done;
        if (progress && *progress) (*progress)(std::min(done, total), total);
    }
}

std::size_t ControllerPublisher::drain(Worker& worker, SyncReport* report, const SyncProgress* progress, std::size_t total) {
    std::size_t done = 0;
    while (true) {
        {
            std::lock_guard lock(worker.mutex);
            if (worker.stopping) return done;
        }
        auto batch = outbox_.due(worker.address.id, std::time(nullptr), options_.batchSize);
        if (batch.empty()) return done;
        std::vector<onvif::OnvifClient*> clients{worker.client.get()};
        for (auto& extra : worker.extraClients) clients.push_back(extra.get());
        if (clients.size() == 1 || batch.size() < 2 * clients.size()) {
            publishBatch(worker, *worker.client, batch, report, progress, done, total);
            continue;
        }
        // Lanes: each user goes to one connection, so its changes keep their order.
        std::vector<std::vector<PendingChange>> lanes(clients.size());
        for (auto& change : batch) lanes[std::hash<std::string>{}(change.userId) % lanes.size()].push_back(std::move(change));
        std::vector<std::exception_ptr> errors(lanes.size());
        std::vector<std::thread> threads;
        for (std::size_t i = 1; i < lanes.size(); ++i)
            threads.emplace_back([&, i] {
                maskBrokenPipeSignal();
                try {
                    publishBatch(worker, *clients[i], lanes[i], report, progress, done, total);
                } catch (...) {
                    errors[i] = std::current_exception();
                }
            });
        try {
            publishBatch(worker, *clients[0], lanes[0], report, progress, done, total);
        } catch (...) {
            errors[0] = std::current_exception();
        }
        for (auto& t : threads) t.join();
        // A lost answer matters most (it forces a reconcile), then any other controller-level failure.
        std::exception_ptr first;
        for (auto& e : errors) {
            if (!e) continue;
            try {
                std::rethrow_exception(e);
            } catch (const onvif::OnvifError& onvifError) {
                if (onvifError.kind() == onvif::ErrorKind::ResponseLost) std::rethrow_exception(e);
            } catch (...) {
            }
            if (!first) first = e;
        }
        if (first) std::rethrow_exception(first);
    }
}

void ControllerPublisher::run(Worker& worker) {
    maskBrokenPipeSignal();
    const std::string id = worker.address.id;
    while (true) {
        bool syncing = false;
        {
            std::unique_lock lock(worker.mutex);
            if (worker.stopping) break;
            syncing = worker.syncRequested;
        }
        auto record = outbox_.controller(id);
        std::time_t now = std::time(nullptr);
        auto nextDue = outbox_.nextDue(id);
        bool backingOff = record.dueAt > now;
        bool work = record.needsReconcile || (nextDue && *nextDue <= now);
        if (!syncing && (backingOff || !work)) {
            std::time_t until = backingOff ? record.dueAt : (nextDue ? *nextDue : now + 60);
            std::unique_lock lock(worker.mutex);
            worker.wake.wait_until(lock, std::chrono::system_clock::from_time_t(std::max(until, now + 1)),
                                   [&] { return worker.stopping || worker.woken || worker.syncRequested; });
            worker.woken = false;
            continue;
        }
        SyncReport report;
        const SyncProgress* progress = nullptr;
        if (syncing) {
            std::lock_guard lock(worker.mutex);
            progress = worker.syncProgress;
        }
        try {
            ensureSession(worker);
            if (record.needsReconcile || syncing) reconcile(worker, syncing ? &report : nullptr);
            worker.itemError.clear();
            std::size_t total = syncing ? outbox_.pendingCount(id) : 0;
            if (progress && *progress) (*progress)(0, total);
            drain(worker, syncing ? &report : nullptr, progress, total);
            record = outbox_.controller(id);
            record.reachable = true;
            record.failures = worker.failures = 0;
            record.dueAt = 0;
            record.lastError = worker.itemError;
            record.lastSync = std::time(nullptr);
            outbox_.saveController(id, record);
        } catch (const std::exception& e) {
            record = outbox_.controller(id);
            auto* onvifError = dynamic_cast<const onvif::OnvifError*>(&e);
            auto kind = onvifError ? onvifError->kind() : onvif::ErrorKind::ServerError;
            record.failures = ++worker.failures;
            record.lastError = e.what();
            record.reachable = kind != onvif::ErrorKind::Unreachable && kind != onvif::ErrorKind::ResponseLost;
            // An answer that never came: the controller may hold the change; read it back first.
            if (kind == onvif::ErrorKind::ResponseLost) record.needsReconcile = true;
            auto delay = backoff(record.failures);
            record.dueAt = std::time(nullptr) + static_cast<std::time_t>((delay.count() + 999) / 1000);
            outbox_.saveController(id, record);
            worker.sessionReady = false;
            worker.client.reset();
            worker.extraClients.clear();
            report.error = e.what();
            if (record.failures == 1 || record.failures % 10 == 0) source_.log(kWarning, e.what());
        }
        if (syncing) {
            std::lock_guard lock(worker.mutex);
            worker.syncReport = report;
            worker.syncRequested = false;
            worker.syncDone = true;
            worker.syncFinished.notify_all();
        }
    }
}

SyncReport ControllerPublisher::sync(const std::string& controllerId, const SyncProgress& progress,
                                     std::chrono::seconds timeout) {
    Worker* worker = nullptr;
    {
        std::lock_guard lock(mutex_);
        auto it = workers_.find(controllerId);
        if (it == workers_.end()) {
            SyncReport report;
            report.error = "no controller with id '" + controllerId + "' is configured (fpb-host controllers list)";
            return report;
        }
        worker = it->second.get();
    }
    std::unique_lock lock(worker->mutex);
    worker->syncProgress = &progress;
    worker->syncDone = false;
    worker->syncRequested = true;
    worker->wake.notify_all();
    bool finished = worker->syncFinished.wait_for(lock, timeout, [&] { return worker->syncDone || worker->stopping; });
    worker->syncProgress = nullptr;
    if (!finished || !worker->syncDone) {
        SyncReport report;
        report.error = "the sync of controller '" + controllerId + "' did not finish within " +
                       std::to_string(timeout.count()) + " s; it goes on in the background";
        return report;
    }
    worker->syncDone = false;
    return worker->syncReport;
}

std::vector<ControllerStatus> ControllerPublisher::statuses() {
    std::vector<ControllerStatus> out;
    std::lock_guard lock(mutex_);
    for (auto& [id, worker] : workers_) {
        auto record = outbox_.controller(id);
        ControllerStatus status;
        status.id = id;
        status.name = worker->address.name;
        status.endpoint = worker->address.endpoint;
        status.reachable = record.reachable;
        status.lastSync = record.lastSync;
        status.queuedChanges = outbox_.pendingCount(id);
        status.publishedCredentials = outbox_.publishedCount(id);
        status.formatType = record.formatType;
        status.lastError = record.lastError;
        out.push_back(std::move(status));
    }
    return out;
}

bool ControllerPublisher::waitForIdle(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        bool idle = true;
        {
            std::lock_guard lock(mutex_);
            for (auto& [id, worker] : workers_) {
                if (outbox_.pendingCount(id) > 0 || outbox_.controller(id).needsReconcile) {
                    idle = false;
                    break;
                }
            }
        }
        if (idle) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

} // namespace fpb::publisher
