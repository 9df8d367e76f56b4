#include "manager/root_machine.h"

#include <gtest/gtest.h>

namespace forkv {
namespace {

std::string Feed(RootMachine& r, const root::Event& e) { return root::ToString(r.Handle(e)); }

TEST(RootMachineTest, TermStopsTheFrontThenTheDbsThenIsDone) {
  RootMachine r(/*has_web=*/true);
  EXPECT_TRUE(r.running());
  EXPECT_EQ(Feed(r, root::Term{"SIGTERM"}),
            "notify_stopping (SIGTERM), shutdown web, shutdown stores");
  EXPECT_EQ(r.state(), RootState::kStoppingFront);
  EXPECT_EQ(Feed(r, root::GroupDone{Group::kWeb}), "");
  EXPECT_EQ(r.state(), RootState::kStoppingFront);  // stores still stopping
  EXPECT_EQ(Feed(r, root::GroupDone{Group::kStores}), "shutdown db_pool");
  EXPECT_EQ(r.state(), RootState::kStoppingDbs);
  EXPECT_EQ(Feed(r, root::GroupDone{Group::kDbs}), "");
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.exit_code(), 0);
}

TEST(RootMachineTest, DbsWaitForTheStoresAndDoneWaitsForTheWeb) {
  RootMachine r(true);
  (void)r.Handle(root::Term{"SIGINT"});
  EXPECT_EQ(Feed(r, root::GroupDone{Group::kStores}), "shutdown db_pool");
  EXPECT_EQ(Feed(r, root::GroupDone{Group::kDbs}), "");
  EXPECT_EQ(r.state(), RootState::kStoppingDbs);  // the gateway is still stopping
  EXPECT_EQ(Feed(r, root::GroupDone{Group::kWeb}), "");
  EXPECT_TRUE(r.done());
}

TEST(RootMachineTest, WithoutTheGatewayItsGroupIsNeverAsked) {
  RootMachine r(/*has_web=*/false);
  EXPECT_EQ(Feed(r, root::Term{"SIGTERM"}), "notify_stopping (SIGTERM), shutdown stores");
  EXPECT_EQ(Feed(r, root::GroupDone{Group::kStores}), "shutdown db_pool");
  EXPECT_EQ(Feed(r, root::GroupDone{Group::kDbs}), "");
  EXPECT_TRUE(r.done());
}

TEST(RootMachineTest, EscalationSetsTheExitCodeAndTheFirstCauseWins) {
  RootMachine r(false);
  EXPECT_EQ(Feed(r, root::Escalate{125, "db_pool escalated"}),
            "notify_stopping (db_pool escalated), shutdown stores");
  EXPECT_EQ(Feed(r, root::Escalate{111, "web escalated"}), "");
  EXPECT_EQ(r.exit_code(), 125);
  (void)r.Handle(root::GroupDone{Group::kStores});
  (void)r.Handle(root::GroupDone{Group::kDbs});
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.exit_code(), 125);
}

TEST(RootMachineTest, ASecondTermKillsEveryGroupNotDone) {
  RootMachine r(true);
  (void)r.Handle(root::Term{"SIGTERM"});
  EXPECT_EQ(Feed(r, root::GroupDone{Group::kWeb}), "");
  EXPECT_EQ(Feed(r, root::Term{"SIGTERM"}), "kill stores, kill db_pool");
  // The db pool was killed already: it is not asked to shut down again.
  EXPECT_EQ(Feed(r, root::GroupDone{Group::kStores}), "");
  EXPECT_EQ(r.state(), RootState::kStoppingDbs);
  EXPECT_EQ(Feed(r, root::GroupDone{Group::kDbs}), "");
  EXPECT_TRUE(r.done());
  EXPECT_EQ(r.exit_code(), 0);
  EXPECT_EQ(Feed(r, root::Term{"SIGTERM"}), "");  // done: nothing left
}

TEST(RootMachineTest, KilledDbsFinishingFirstStillEndsInOrder) {
  RootMachine r(false);
  (void)r.Handle(root::Term{"SIGTERM"});
  EXPECT_EQ(Feed(r, root::Term{"SIGTERM"}), "kill stores, kill db_pool");
  EXPECT_EQ(Feed(r, root::GroupDone{Group::kDbs}), "");
  EXPECT_EQ(r.state(), RootState::kStoppingFront);
  EXPECT_EQ(Feed(r, root::GroupDone{Group::kStores}), "");
  EXPECT_TRUE(r.done());
}

TEST(RootMachineTest, Names) {
  EXPECT_EQ(GroupName(Group::kDbs), "db_pool");
  EXPECT_EQ(RootStateName(RootState::kStoppingFront), "stopping_front");
}

}  // namespace
}  // namespace forkv
