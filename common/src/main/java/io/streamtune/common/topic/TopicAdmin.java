package io.streamtune.common.topic;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/** Creates the topics of a layout that do not exist yet; existing ones are left as they are. */
public final class TopicAdmin {
    private TopicAdmin() {}

    /** @return the names of the topics that were created now */
    public static List<String> ensure(Admin admin, List<TopicSpec> specs)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> missing = new ArrayList<>();
        for (TopicSpec s : specs) {
            if (!existing.contains(s.name())) {
                missing.add(s.toNewTopic());
            }
        }
        if (!missing.isEmpty()) {
            admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        }
        return missing.stream().map(NewTopic::name).toList();
    }
}
