// qmltestrunner, built with this project's flags: under the sanitizers, only an
// instrumented executable can load the instrumented WsKit plugin.

#include <QtQuickTest/quicktest.h>

QUICK_TEST_MAIN(qmltestrunner)
